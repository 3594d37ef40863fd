package dev.forkd.supervisor.relay;

import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client connection relayed to one worker stream, on the client's event loop (the worker's
 * channel is registered on the same one). As in Netty's proxy example: neither channel reads on
 * its own; a side is read again once the other side is writable (below its high water mark) or
 * its write completed. EOF is carried through as a half-close once the bytes before it are
 * written; an abrupt end of the worker (crash, reset) closes the client only after what the
 * worker had already sent. Every byte read and not yet written counts against the budget.
 */
final class RelayedConnection {
    private static final Logger LOG = LogManager.getLogger(RelayedConnection.class);

    /** Told once each, when the connection is over. */
    interface Events {
        /** The worker is done with this connection (its side ended, or the connection closed): its slot is free. */
        void onWorkerDone(RelayedConnection c, boolean workerEndedFirst);

        /** The connection is closed on both sides; after onWorkerDone. */
        void onClosed(RelayedConnection c);

        /** A side waits for the budget ("clients" or "workers"). */
        void onBudgetSpent(String what);
    }

    final long id;
    final String clientLabel;
    final Dispatcher.Target target;
    final AcceptedClient accepted;
    final Channel client;
    final Channel worker;
    private final MemoryBudget budget;
    private final int chunk;
    private final DispatchStats stats;
    private final Events events;
    private boolean clientEof;
    private boolean workerEof;
    private boolean workerOutShut;
    private boolean clientOutShut;
    /** The worker takes no more: drop the client's bytes, deliver the worker's, then close. */
    private boolean abortAfterFlush;
    private boolean closed;
    private boolean workerEndedFirst;
    /** The worker's end closed or broke (EOF, reset, a failed write or shutdown), rather than the supervisor closing it. */
    private boolean workerSideEnded;
    private boolean workerDoneTold;
    long lastActivityNanos = System.nanoTime();
    /** --min-rate's current window; the first starts when the connection gets its worker (now). */
    long rateWindowStartNanos = System.nanoTime();
    long rateWindowStartBytes;
    private long moved;

    RelayedConnection(long id, String clientLabel, Dispatcher.Target target, AcceptedClient accepted, Channel worker,
            MemoryBudget budget, int chunk, DispatchStats stats, Events events) {
        this.id = id;
        this.clientLabel = clientLabel;
        this.target = target;
        this.accepted = accepted;
        this.client = accepted.channel;
        this.worker = worker;
        this.budget = budget;
        this.chunk = chunk;
        this.stats = stats;
        this.events = events;
    }

    /** On the loop: the first bytes (read before relaying began) go first, then both sides are read. */
    void start() {
        client.pipeline().addLast("relay", new RelaySide(this, true));
        worker.pipeline().addLast("relay", new RelaySide(this, false));
        ByteBuf early = accepted.takeLeftover();
        if (early != null) {
            int n = early.readableBytes();
            stats.bytesIn.add(n);
            moved += n;
            // the reservation came with the bytes: it goes back once they are written
            write(worker, early, n, n);
        }
        if (!client.isActive() || !worker.isActive()) {
            closeAll();
            return;
        }
        if (((DuplexChannel) client).isInputShutdown()) {
            // it sent its bytes and shut down its side before a worker was free: carried through now
            inputEnded(true);
        }
        readMore(true);
        readMore(false);
    }

    private Channel channel(boolean clientSide) {
        return clientSide ? client : worker;
    }

    void forward(boolean fromClient, ByteBuf buf) {
        int n = buf.readableBytes();
        // the buffer's whole size is held until written, whatever part of it the read filled
        int held = Math.max(n, buf.capacity());
        budget.reserve(held);
        lastActivityNanos = System.nanoTime();
        moved += n;
        if (fromClient) {
            stats.bytesIn.add(n);
        }
        if (closed || (fromClient && abortAfterFlush)) {
            // nobody will take these bytes any more
            buf.release();
            budget.release(held);
            return;
        }
        Channel to = channel(!fromClient);
        write(to, buf, n, held);
        if (to.isWritable()) {
            readMore(fromClient);
        }
        // else: channelWritabilityChanged on the other side reads on
    }

    /** @param held what the bytes hold of the budget, given back once written */
    private void write(Channel to, ByteBuf buf, int n, int held) {
        ChannelFuture f = to.writeAndFlush(buf);
        if (f.isDone()) {
            written(f, to, n, held); // the usual case on the loop: no listener to allocate
        } else {
            f.addListener((ChannelFuture done) -> written(done, to, n, held));
        }
    }

    private void written(ChannelFuture f, Channel to, int n, int held) {
        budget.release(held);
        if (f.isSuccess()) {
            if (to == client) {
                stats.bytesOut.add(n);
            }
        } else {
            LOG.debug("connection {}: {} write: {}", id, to == client ? "client" : "worker", f.cause().toString());
            writeFailed(to == client);
        }
    }

    /** Reads the next chunk from a side, unless it ended, is stopped, or the budget is spent (then once it has room). */
    void readMore(boolean clientSide) {
        if (closed || (clientSide ? clientEof || abortAfterFlush : workerEof)) {
            return;
        }
        Channel ch = channel(clientSide);
        if (!channel(!clientSide).isWritable()) {
            return; // its peer's writability change reads on
        }
        if (!budget.whenRoom(chunk, () -> ch.eventLoop().execute(() -> readMore(clientSide)))) {
            events.onBudgetSpent(clientSide ? "clients" : "workers");
            return;
        }
        ch.read();
    }

    /** A side sent EOF (or the transport shut its input after an error). */
    void inputEnded(boolean clientSide) {
        if (closed) {
            return;
        }
        if (clientSide) {
            if (clientEof) {
                return;
            }
            clientEof = true;
            if (!abortAfterFlush) {
                afterFlush(worker, this::shutDownWorkerOutput);
            }
            return;
        }
        if (workerEof) {
            return;
        }
        workerEof = true;
        workerSideEnded = true;
        if (!abortAfterFlush) {
            workerEndedFirst = !clientEof;
        }
        // the worker closed its end: it serves the next client now, even while ours finishes
        tellWorkerDone();
        afterFlush(client, this::shutDownClientOutput);
    }

    private void shutDownWorkerOutput() {
        if (closed || abortAfterFlush) {
            return;
        }
        ((DuplexChannel) worker).shutdownOutput().addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                // the worker's end is gone (ENOTCONN): its side ended, not ours
                workerSideEnded = true;
                LOG.debug("connection {}: worker shutdown: {}", id, f.cause().toString());
                closeAll();
                return;
            }
            workerOutShut = true;
            if (clientOutShut) {
                closeAll();
            }
        });
    }

    private void shutDownClientOutput() {
        if (closed) {
            return;
        }
        if (abortAfterFlush || (clientEof && workerOutShut)) {
            // all delivered: closing tells each side the other's end as a shutdown would
            closeAll();
            return;
        }
        if (client.pipeline().get(SslHandler.class) != null) {
            // TLS has no half-close to carry (TLS 1.2 has none, and the OpenSSL engine closes both
            // ways): the worker's end ends the connection, with a close_notify the close sends
            closeAll();
            return;
        }
        ((DuplexChannel) client).shutdownOutput().addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                LOG.debug("connection {}: client shutdown: {}", id, f.cause().toString());
                closeAll();
                return;
            }
            clientOutShut = true;
            if (workerOutShut) {
                closeAll();
            }
        });
    }

    /** Runs {@code then} once everything written to {@code ch} so far is written (or failed). */
    private void afterFlush(Channel ch, Runnable then) {
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> then.run());
    }

    private void writeFailed(boolean toClient) {
        if (closed) {
            return;
        }
        if (toClient) {
            closeAll();
        } else {
            workerWriteFailed();
        }
    }

    /**
     * The worker takes no more bytes (it closed, perhaps after an error reply such as a line over
     * the limit): stop reading the client, but read the worker to its end, so that its last words
     * still reach the client before the close.
     */
    private void workerWriteFailed() {
        workerSideEnded = true;
        if (!abortAfterFlush) {
            workerEndedFirst = !clientEof || !workerOutShut;
        }
        abortAfterFlush = true;
        if (workerEof) {
            afterFlush(client, this::closeAll);
        } else {
            readMore(false);
        }
    }

    /** A read or the transport failed on one side. */
    void failed(boolean clientSide, Throwable cause) {
        LOG.debug("connection {}: {}: {}", id, clientSide ? "client" : "worker", cause.toString());
        broke(clientSide);
    }

    /** A channel closed under the connection. */
    void inactive(boolean clientSide) {
        broke(clientSide);
    }

    private void broke(boolean clientSide) {
        if (closed) {
            return;
        }
        if (clientSide) {
            // the client reset: nothing can reach it any more
            closeAll();
            return;
        }
        // the worker broke: deliver what it sent, then close the client (no half-close: the answer is cut short)
        workerEof = true;
        workerWriteFailed();
    }

    long bytesMoved() {
        return moved;
    }

    boolean workerSideEnded() {
        return workerSideEnded;
    }

    /** True until the worker is done with this connection (its slot is taken meanwhile). */
    boolean holdsWorker() {
        return !workerDoneTold;
    }

    boolean isClosed() {
        return closed;
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
        client.close();
        worker.close();
        tellWorkerDone();
        events.onClosed(this);
    }

    private void tellWorkerDone() {
        if (!workerDoneTold) {
            workerDoneTold = true;
            events.onWorkerDone(this, workerEndedFirst);
        }
    }
}
