package dev.forkd.supervisor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client connection relayed to one worker stream. Each direction has one buffer: a side is
 * read only while its buffer has room (backpressure), and written whenever its peer's buffer has
 * bytes. EOF is carried through as a half-close once the bytes before it are flushed; an abrupt
 * end of the worker (crash) closes the client only after what the worker had already sent.
 * Runs on its relay loop's thread only.
 */
final class RelayedConnection {
    private static final Logger LOG = LogManager.getLogger(RelayedConnection.class);

    /** Told once, when the connection is over. */
    interface Events {
        /**
         * The worker is done with this connection (its side ended, or the connection closed): its
         * slot is free. Told once, possibly before the client side has finished.
         */
        void onWorkerDone(RelayedConnection c, boolean workerEndedFirst);

        /** The connection is closed on both sides. Told once, after onWorkerDone. */
        void onClosed(RelayedConnection c);
    }

    final long id;
    final String clientLabel;
    final Dispatcher.Target target;
    final SocketChannel client;
    private final SocketChannel worker;
    private final ByteBuffer up;   // client → worker, kept in fill mode
    private final ByteBuffer down; // worker → client, kept in fill mode
    private final DispatchStats stats;
    private final Events events;
    private SelectionKey clientKey;
    private SelectionKey workerKey;
    private boolean clientEof;
    private boolean workerEof;
    private boolean workerOutShut;
    private boolean clientOutShut;
    private boolean abortAfterFlush;
    private boolean closed;
    private boolean workerEndedFirst;
    private boolean workerDoneTold;
    volatile long lastActivityNanos = System.nanoTime();

    /** @param early client bytes read before relaying began (after an upstream PROXY header), sent first; may be null */
    RelayedConnection(long id, String clientLabel, Dispatcher.Target target, SocketChannel client, SocketChannel worker,
            int bufferSize, ByteBuffer early, DispatchStats stats, Events events) {
        this.id = id;
        this.clientLabel = clientLabel;
        this.target = target;
        this.client = client;
        this.worker = worker;
        int earlyBytes = early == null ? 0 : early.remaining();
        // heap buffers, not direct ones: a direct buffer's native memory is freed only when a GC
        // finds the buffer unreachable, and these small objects barely fill the heap, so at a
        // thousand connections a second the garbage grew by hundreds of MiB between GCs (up to
        // -XX:MaxDirectMemorySize, by default the heap's maximum). Heap buffers die with their
        // connection; NIO copies through one cached direct buffer per relay thread instead.
        this.up = ByteBuffer.allocate(Math.max(bufferSize, earlyBytes));
        if (earlyBytes > 0) {
            up.put(early);
            stats.bytesIn.add(earlyBytes);
        }
        this.down = ByteBuffer.allocate(bufferSize);
        this.stats = stats;
        this.events = events;
    }

    /** On the loop's thread. */
    void register(Selector selector) {
        try {
            client.configureBlocking(false);
            worker.configureBlocking(false);
            clientKey = client.register(selector, 0, this);
            workerKey = worker.register(selector, 0, this);
            updateInterest();
        } catch (IOException e) {
            LOG.debug("connection {}: cannot register: {}", id, e.toString());
            closeAll();
        }
    }

    void onReady(SelectionKey key) {
        if (closed) {
            return;
        }
        if (!key.isValid()) {
            closeAll();
            return;
        }
        lastActivityNanos = System.nanoTime();
        if (key == clientKey) {
            if (key.isWritable()) {
                flushDown();
            }
            if (!closed && key.isReadable()) {
                readUp();
            }
        } else {
            if (key.isWritable()) {
                flushUp();
            }
            if (!closed && key.isReadable()) {
                readDown();
            }
        }
        if (!closed) {
            advance();
        }
    }

    private void readUp() {
        try {
            int n = client.read(up);
            if (n < 0) {
                clientEof = true;
            } else if (n > 0) {
                stats.bytesIn.add(n);
                flushUp();
            }
        } catch (IOException e) {
            // the client reset: nothing can reach it any more
            LOG.debug("connection {}: client read: {}", id, e.toString());
            closeAll();
        }
    }

    private void readDown() {
        try {
            int n = worker.read(down);
            if (n < 0) {
                workerEof = true;
                workerEndedFirst = !clientEof;
                // the worker closed its end: it serves the next client now, even while ours finishes
                tellWorkerDone();
            } else if (n > 0) {
                flushDown();
            }
        } catch (IOException e) {
            LOG.debug("connection {}: worker read: {}", id, e.toString());
            workerGone();
        }
    }

    private void flushUp() {
        if (up.position() == 0 || closed) {
            return;
        }
        try {
            up.flip();
            worker.write(up);
            up.compact();
        } catch (IOException e) {
            LOG.debug("connection {}: worker write: {}", id, e.toString());
            up.clear();
            workerGone();
        }
    }

    private void flushDown() {
        if (down.position() == 0 || closed) {
            return;
        }
        try {
            down.flip();
            int n = client.write(down);
            stats.bytesOut.add(n);
        } catch (IOException e) {
            LOG.debug("connection {}: client write: {}", id, e.toString());
            closeAll();
            return;
        }
        down.compact();
    }

    /** The worker side broke: deliver what it sent, then close the client (no half-close: the answer is cut short). */
    private void workerGone() {
        workerEof = true;
        abortAfterFlush = true;
        workerEndedFirst = !clientEof || !workerOutShut;
    }

    /** Carries EOFs through once their buffers are flushed, closes when both directions are done, and sets interest. */
    private void advance() {
        try {
            if (clientEof && up.position() == 0 && !workerOutShut && !abortAfterFlush) {
                worker.shutdownOutput();
                workerOutShut = true;
            }
            if (workerEof && down.position() == 0) {
                if (abortAfterFlush) {
                    closeAll();
                    return;
                }
                if (!clientOutShut) {
                    client.shutdownOutput();
                    clientOutShut = true;
                }
            }
        } catch (IOException e) {
            LOG.debug("connection {}: shutdown: {}", id, e.toString());
            closeAll();
            return;
        }
        if (clientOutShut && workerOutShut) {
            closeAll();
            return;
        }
        updateInterest();
    }

    private void updateInterest() {
        int c = 0;
        int w = 0;
        if (!clientEof && up.hasRemaining()) {
            c |= SelectionKey.OP_READ;
        }
        if (down.position() > 0) {
            c |= SelectionKey.OP_WRITE;
        }
        if (!workerEof && down.hasRemaining()) {
            w |= SelectionKey.OP_READ;
        }
        if (up.position() > 0 && !abortAfterFlush) {
            w |= SelectionKey.OP_WRITE;
        }
        if (clientKey.isValid()) {
            clientKey.interestOps(c);
        }
        if (workerKey.isValid()) {
            workerKey.interestOps(w);
        }
    }

    /** Ends the connection now, whatever is pending. */
    void abort(String why) {
        LOG.debug("connection {}: {}", id, why);
        closeAll();
    }

    private void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        if (clientKey != null) {
            clientKey.cancel();
        }
        if (workerKey != null) {
            workerKey.cancel();
        }
        Dispatcher.closeQuietly(client);
        Dispatcher.closeQuietly(worker);
        tellWorkerDone();
        events.onClosed(this);
    }

    private void tellWorkerDone() {
        if (!workerDoneTold) {
            workerDoneTold = true;
            events.onWorkerDone(this, workerEndedFirst);
        }
    }

    boolean isClosed() {
        return closed;
    }
}
