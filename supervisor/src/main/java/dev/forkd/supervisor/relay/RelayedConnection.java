package dev.forkd.supervisor.relay;

import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;
import java.nio.channels.Selector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client connection relayed to one worker stream. What one side sends is written to the
 * other at once; a side is read again only once its previous bytes are all written
 * (backpressure). EOF is carried through as a half-close once the bytes before it are flushed; an abrupt
 * end of the worker (crash) closes the client only after what the worker had already sent.
 * Its two directions are one {@link Direction} each; this class says what their ends mean.
 * Runs on its relay loop's thread only.
 */
public final class RelayedConnection {
    private static final Logger LOG = LogManager.getLogger(RelayedConnection.class);

    /** Told once, when the connection is over. */
    public interface Events {
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
    public final Dispatcher.Target target;
    final AcceptedClient accepted;
    private final SocketChannel client;
    private final SocketChannel worker;
    private final Events events;
    private RelayLoop loop;
    /** Client → worker. */
    private final Direction up;
    /** Worker → client. */
    private final Direction down;
    private SelectionKey clientKey;
    private SelectionKey workerKey;
    private boolean workerOutShut;
    private boolean clientOutShut;
    private boolean abortAfterFlush;
    private boolean closed;
    private boolean workerEndedFirst;
    /** The worker's end closed or broke (EOF, reset, a failed write or shutdown), rather than the supervisor closing it. */
    private boolean workerSideEnded;
    private boolean workerDoneTold;
    volatile long lastActivityNanos = System.nanoTime();
    /** --min-rate's current window; the first starts when the connection gets its worker (now). */
    long rateWindowStartNanos = System.nanoTime();
    long rateWindowStartBytes;

    /** Client bytes the preamble read before relaying began ({@link AcceptedClient#leftover()}) are sent first. */
    RelayedConnection(long id, String clientLabel, Dispatcher.Target target, AcceptedClient accepted, SocketChannel worker,
            DispatchStats stats, Events events) {
        this.id = id;
        this.clientLabel = clientLabel;
        this.target = target;
        this.accepted = accepted;
        this.client = accepted.channel;
        this.worker = worker;
        this.events = events;
        this.up = new Direction(this, "client", client, "worker", worker, stats.bytesIn::add, n -> { }, new Direction.Ends() {
            @Override
            public void readFailed() {
                // the client reset: nothing can reach it any more
                closeAll();
            }

            @Override
            public void ended() {
                // carried through as a half-close once flushed; see advance
            }

            @Override
            public void writeFailed() {
                workerWriteFailed();
            }

            @Override
            public boolean stopped() {
                return abortAfterFlush;
            }
        });
        this.down = new Direction(this, "worker", worker, "client", client, n -> { }, stats.bytesOut::add, new Direction.Ends() {
            @Override
            public void readFailed() {
                workerGone();
            }

            @Override
            public void ended() {
                workerSideEnded = true;
                workerEndedFirst = !up.eof();
                // the worker closed its end: it serves the next client now, even while ours finishes
                tellWorkerDone();
            }

            @Override
            public void writeFailed() {
                closeAll();
            }

            @Override
            public boolean stopped() {
                return false;
            }
        });
        ByteBuffer early = accepted.leftover();
        if (early != null && early.hasRemaining()) {
            int earlyBytes = early.remaining();
            // a one-off heap buffer of its own size, never pooled: a direct one would hold native
            // memory until a GC happened to find it (the soak test's lesson)
            up.preload(ByteBuffer.allocate(earlyBytes).put(early).flip());
            stats.bytesIn.add(earlyBytes);
        }
    }

    /** On the loop's thread. */
    void register(RelayLoop loop) {
        this.loop = loop;
        if (up.pending() != null) {
            // released by closeAll or the flush like any pending buffer
            loop.hold(up.pending());
        }
        try {
            client.configureBlocking(false);
            worker.configureBlocking(false);
            clientKey = client.register(loop.selector(), 0, this);
            workerKey = worker.register(loop.selector(), 0, this);
            up.flush(loop);
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
        // the client's key writes what the worker sent and reads what the client sends; the worker's the other way round
        Direction in = key == clientKey ? down : up;
        Direction out = key == clientKey ? up : down;
        if ((ready & SelectionKey.OP_WRITE) != 0) {
            in.flush(loop);
        }
        if (!closed && (ready & SelectionKey.OP_READ) != 0) {
            out.read(loop);
        }
        if (!closed) {
            advance();
        }
    }

    /** The worker side broke: deliver what it sent, then close the client (no half-close: the answer is cut short). */
    private void workerGone() {
        down.markEnded();
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
            workerEndedFirst = !up.eof() || !workerOutShut;
        }
        abortAfterFlush = true;
        // nobody will read these any more
        up.discard(loop);
    }

    /** Carries EOFs through once their bytes are flushed, closes when both directions are done, and sets interest. */
    private void advance() {
        if (up.eof() && down.eof() && up.flushed() && down.flushed() && !abortAfterFlush) {
            // both sides said all they had and all of it was delivered: closing tells each side
            // the other's end as a shutdown would, and saves the shutdown calls
            closeAll();
            return;
        }
        try {
            if (up.eof() && up.flushed() && !workerOutShut && !abortAfterFlush) {
                try {
                    worker.shutdownOutput();
                } catch (IOException e) {
                    // the worker's end is gone (ENOTCONN): its side ended, not ours
                    workerSideEnded = true;
                    throw e;
                }
                workerOutShut = true;
            }
            if (down.eof() && down.flushed()) {
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
        int c = up.sourceOps() | down.destinationOps();
        int w = down.sourceOps() | up.destinationOps();
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
        up.resume();
        down.resume();
        if (!closed) {
            updateInterest();
        }
    }

    /** Bytes read from either side; on the loop's thread. */
    long bytesMoved() {
        return up.moved() + down.moved();
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
        } else {
            Dispatcher.closeQuietly(client);
            Dispatcher.closeQuietly(worker);
        }
        up.discard(loop);
        down.discard(loop);
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
