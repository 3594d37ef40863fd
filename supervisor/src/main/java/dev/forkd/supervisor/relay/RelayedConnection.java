package dev.forkd.supervisor.relay;

import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client connection relayed to one worker stream. What one side sends is written to the
 * other at once; a side is read again only once its previous bytes are all written
 * (backpressure). EOF is carried through as a half-close once the bytes before it are flushed; an abrupt
 * end of the worker (crash) closes the client only after what the worker had already sent.
 * Runs on its relay loop's thread only.
 */
public final class RelayedConnection {
    private static final Logger LOG = LogManager.getLogger(RelayedConnection.class);

    /** Told once, when the connection is over. */
    public interface Events {
        /** The stream to the worker is open and the client is handed to a loop; before onWorkerDone. */
        default void onStarted(RelayedConnection c) {
        }

        /**
         * The worker is done with this connection (its side ended, or the connection closed): its
         * slot is free. Told once, possibly before the client side has finished.
         */
        void onWorkerDone(RelayedConnection c, boolean workerEndedFirst);

        /** The connection is closed on both sides. Told once, after onWorkerDone. */
        void onClosed(RelayedConnection c);
    }

    /** At most this many reads of one side per readiness event, so that one busy connection cannot starve the others. */
    private static final int MAX_READS_PER_EVENT = 4;

    final long id;
    final String clientLabel;
    public final Dispatcher.Target target;
    public final SocketChannel client;
    private final SocketChannel worker;
    private final DispatchStats stats;
    private final Events events;
    private RelayLoop loop;
    /*
     * Bytes are read into the loop's one scratch buffer and written to the other side at once;
     * only what that write could not take is kept, in a buffer borrowed from the loop's pool, and
     * that side is not read again until it is flushed (backpressure). So a connection holds no
     * buffer at all while its bytes flow (or it is idle), and at most one per direction, of the
     * relay's buffer size, while a peer is slow.
     */
    private ByteBuffer upPending;   // client → worker bytes not yet written, in drain mode; null if none
    private ByteBuffer downPending; // worker → client
    private SelectionKey clientKey;
    private SelectionKey workerKey;
    private boolean clientEof;
    private boolean workerEof;
    private boolean workerOutShut;
    private boolean clientOutShut;
    private boolean abortAfterFlush;
    private boolean closed;
    private boolean workerEndedFirst;
    /** The worker's end closed or broke (EOF, reset, a failed write or shutdown), rather than the supervisor closing it. */
    private boolean workerSideEnded;
    private boolean workerDoneTold;
    /** A side not read for want of memory budget; see {@link RelayLoop#pause}. */
    private boolean upPaused;
    private boolean downPaused;
    volatile long lastActivityNanos = System.nanoTime();
    /** Bytes read from either side; on the loop's thread. */
    private long bytesMoved;
    /** --min-rate's current window; the first starts when the connection gets its worker (now). */
    long rateWindowStartNanos = System.nanoTime();
    long rateWindowStartBytes;

    /** @param early client bytes read before relaying began (after an upstream PROXY header), sent first; may be null */
    RelayedConnection(long id, String clientLabel, Dispatcher.Target target, SocketChannel client, SocketChannel worker,
            ByteBuffer early, DispatchStats stats, Events events) {
        this.id = id;
        this.clientLabel = clientLabel;
        this.target = target;
        this.client = client;
        this.worker = worker;
        if (early != null && early.hasRemaining()) {
            int earlyBytes = early.remaining();
            // a one-off heap buffer of its own size, never pooled: a direct one would hold native
            // memory until a GC happened to find it (the soak test's lesson)
            upPending = ByteBuffer.allocate(earlyBytes).put(early).flip();
            stats.bytesIn.add(earlyBytes);
        }
        this.stats = stats;
        this.events = events;
    }

    /** On the loop's thread. */
    void register(RelayLoop loop) {
        this.loop = loop;
        if (upPending != null) {
            // released by closeAll or flushUp like any pending buffer
            loop.hold(upPending);
        }
        try {
            client.configureBlocking(false);
            worker.configureBlocking(false);
            clientKey = client.register(loop.selector(), 0, this);
            workerKey = worker.register(loop.selector(), 0, this);
            flushUp();
            if (!closed) {
                advance();
            }
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
        int ready = key.readyOps();
        if (key == clientKey) {
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                flushDown();
            }
            if (!closed && (ready & SelectionKey.OP_READ) != 0) {
                readUp();
            }
        } else {
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                flushUp();
            }
            if (!closed && (ready & SelectionKey.OP_READ) != 0) {
                readDown();
            }
        }
        if (!closed) {
            advance();
        }
    }

    private void readUp() {
        ByteBuffer buf = loop.scratch();
        for (int i = 0; i < MAX_READS_PER_EVENT && upPending == null && !clientEof && !abortAfterFlush; i++) {
            if (!loop.mayRead()) {
                upPaused = true;
                loop.pause(this, "clients");
                return;
            }
            buf.clear();
            int n;
            try {
                n = client.read(buf);
            } catch (IOException e) {
                // the client reset: nothing can reach it any more
                LOG.debug("connection {}: client read: {}", id, e.toString());
                closeAll();
                return;
            }
            if (n < 0) {
                clientEof = true;
                return;
            }
            if (n == 0) {
                return;
            }
            stats.bytesIn.add(n);
            bytesMoved += n;
            buf.flip();
            try {
                worker.write(buf);
            } catch (IOException e) {
                LOG.debug("connection {}: worker write: {}", id, e.toString());
                workerWriteFailed();
                return;
            }
            if (buf.hasRemaining()) {
                upPending = loop.stash(buf);
                return;
            }
            if (n < buf.capacity()) {
                return; // the socket is very likely empty: let the selector say when it is not
            }
        }
    }

    private void readDown() {
        ByteBuffer buf = loop.scratch();
        for (int i = 0; i < MAX_READS_PER_EVENT && downPending == null && !workerEof; i++) {
            if (!loop.mayRead()) {
                downPaused = true;
                loop.pause(this, "workers");
                return;
            }
            buf.clear();
            int n;
            try {
                n = worker.read(buf);
            } catch (IOException e) {
                LOG.debug("connection {}: worker read: {}", id, e.toString());
                workerGone();
                return;
            }
            if (n < 0) {
                workerEof = true;
                workerSideEnded = true;
                workerEndedFirst = !clientEof;
                // the worker closed its end: it serves the next client now, even while ours finishes
                tellWorkerDone();
                return;
            }
            if (n == 0) {
                return;
            }
            bytesMoved += n;
            buf.flip();
            try {
                stats.bytesOut.add(client.write(buf));
            } catch (IOException e) {
                LOG.debug("connection {}: client write: {}", id, e.toString());
                closeAll();
                return;
            }
            if (buf.hasRemaining()) {
                downPending = loop.stash(buf);
                return;
            }
            if (n < buf.capacity()) {
                return;
            }
        }
    }

    private void flushUp() {
        if (upPending == null || closed) {
            return;
        }
        try {
            worker.write(upPending);
        } catch (IOException e) {
            LOG.debug("connection {}: worker write: {}", id, e.toString());
            workerWriteFailed();
            return;
        }
        if (!upPending.hasRemaining()) {
            loop.release(upPending);
            upPending = null;
        }
    }

    private void flushDown() {
        if (downPending == null || closed) {
            return;
        }
        try {
            stats.bytesOut.add(client.write(downPending));
        } catch (IOException e) {
            LOG.debug("connection {}: client write: {}", id, e.toString());
            closeAll();
            return;
        }
        if (!downPending.hasRemaining()) {
            loop.release(downPending);
            downPending = null;
        }
    }

    /** The worker side broke: deliver what it sent, then close the client (no half-close: the answer is cut short). */
    private void workerGone() {
        workerEof = true;
        workerWriteFailed();
    }

    /**
     * The worker takes no more bytes (it closed, perhaps after an error reply such as a line over
     * the limit): drop what the client sent, stop reading the client, but read the worker to its
     * end, so that its last words still reach the client before the close.
     */
    private void workerWriteFailed() {
        workerSideEnded = true;
        if (!abortAfterFlush) {
            workerEndedFirst = !clientEof || !workerOutShut;
        }
        abortAfterFlush = true;
        if (upPending != null) {
            // nobody will read these any more
            loop.release(upPending);
            upPending = null;
        }
    }

    /** Carries EOFs through once their bytes are flushed, closes when both directions are done, and sets interest. */
    private void advance() {
        if (clientEof && workerEof && upPending == null && downPending == null && !abortAfterFlush) {
            // both sides said all they had and all of it was delivered: closing tells each side
            // the other's end as a shutdown would, and saves the shutdown calls
            closeAll();
            return;
        }
        try {
            if (clientEof && upPending == null && !workerOutShut && !abortAfterFlush) {
                try {
                    worker.shutdownOutput();
                } catch (IOException e) {
                    // the worker's end is gone (ENOTCONN): its side ended, not ours
                    workerSideEnded = true;
                    throw e;
                }
                workerOutShut = true;
            }
            if (workerEof && downPending == null) {
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
        if (!clientEof && upPending == null && !abortAfterFlush && !upPaused) {
            c |= SelectionKey.OP_READ;
        }
        if (downPending != null) {
            c |= SelectionKey.OP_WRITE;
        }
        if (!workerEof && downPending == null && !downPaused) {
            w |= SelectionKey.OP_READ;
        }
        if (upPending != null) {
            w |= SelectionKey.OP_WRITE;
        }
        // interestOps only reaches the kernel (epoll_ctl) when the set changes
        if (clientKey.isValid()) {
            clientKey.interestOps(c);
        }
        if (workerKey.isValid()) {
            workerKey.interestOps(w);
        }
    }

    /** The budget has room again: read both sides as before (each read checks it again). */
    void resume() {
        upPaused = false;
        downPaused = false;
        if (!closed) {
            updateInterest();
        }
    }

    long bytesMoved() {
        return bytesMoved;
    }

    /** The worker's end closed or broke, as opposed to the supervisor closing a live stream; once the worker is done. */
    public boolean workerSideEnded() {
        return workerSideEnded;
    }

    /** True until the worker is done with this connection (its slot is taken meanwhile). */
    boolean holdsWorker() {
        return !workerDoneTold;
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
        if (loop != null) {
            loop.closeLater(client);
            loop.closeLater(worker);
            loop.release(upPending);
            loop.release(downPending);
        } else {
            Dispatcher.closeQuietly(client);
            Dispatcher.closeQuietly(worker);
        }
        upPending = null;
        downPending = null;
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
