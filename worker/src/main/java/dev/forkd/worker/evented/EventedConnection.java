package dev.forkd.worker.evented;

import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import dev.forkd.api.Subscriber;
import dev.forkd.api.Subscription;
import dev.forkd.api.TlsInfo;
import dev.forkd.shared.Heartbeat;
import dev.forkd.shared.framing.FrameDecoder;
import dev.forkd.shared.framing.FrameEncoder;
import dev.forkd.shared.framing.FramingException;
import dev.forkd.shared.framing.Framings;
import dev.forkd.worker.common.BadInputException;
import dev.forkd.worker.common.Protocol;
import dev.forkd.worker.common.WorkerFrames;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.worker.proxy.ProxiedClient;
import dev.forkd.worker.proxy.ProxyHeaderReader;
import dev.forkd.worker.pubsub.EventedTopics;
import dev.forkd.worker.pubsub.PubSub;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * One relayed stream in an event-loop worker: what blocking's {@code ClientConnection} does on a thread of
 * its own, as reactions to readiness on the loop's thread. Reads the PROXY v2 header (as many
 * reads as it takes), then feeds each read to the framing decoder, which keeps partial frames;
 * replies go out at once when the socket takes them, else wait in a bounded {@link Outbound}.
 * Everything here runs on the loop thread; the {@link Connection} methods may be called from
 * other threads and then hand their work to the loop. Publish/subscribe deliveries wait in the
 * connection's outbox ({@link EventedTopics}) and are moved into the outbound by the loop while it has room (no
 * writer thread): a client that stops reading fills the outbound, then the outbox, which drops it as slow.
 */
final class EventedConnection implements Connection {
    enum Phase {
        /** Reading the PROXY header; the handler knows nothing of the connection yet. */
        HEADER,
        OPEN,
        /** The client half-closed; the handler may still reply. */
        INPUT_ENDED,
        /** Closed as far as the handler is concerned; sending what was replied, then closing. */
        CLOSING,
        CLOSED
    }

    private final long id;
    private final SocketChannel channel;
    private final Handler handler;
    private final Protocol protocol;
    private final EventLoop loop;
    private final FrameDecoder decoder;
    private final FrameEncoder encoder;
    private final Outbound outbound;
    private SelectionKey key;
    private Phase phase = Phase.HEADER;
    /** Reading the PROXY header: made at the first read, dropped once the header is read. */
    private ProxyHeaderReader header;
    /** What the PROXY header says of the client; unknown until it is read. */
    private volatile ProxiedClient client = ProxiedClient.UNKNOWN;
    private volatile boolean open = true;
    private boolean readPaused;
    private long lastMessageNanos = System.nanoTime();
    /** Null when the worker offers no publish/subscribe (tests). */
    private final EventedTopics topics;

    EventedConnection(long id, SocketChannel channel, Handler handler, Protocol protocol, EventLoop loop, PubSub pubsub) {
        this.id = id;
        this.channel = channel;
        this.handler = handler;
        this.protocol = protocol;
        this.loop = loop;
        this.decoder = Framings.decoder(protocol.framing(), protocol.maxFrame(), protocol.fixedSize());
        this.encoder = Framings.encoder(protocol.framing(), protocol.fixedSize());
        this.outbound = Outbound.forProtocol(protocol);
        this.topics = pubsub == null ? null : new EventedTopics(id, pubsub, loop::execute, this::drainOutbox, this::abort);
    }

    void attach(SelectionKey k) {
        key = k;
    }

    Phase phase() {
        return phase;
    }

    /** Bytes waiting for the client to read them; for tests. */
    long pendingBytes() {
        return outbound.bytes();
    }

    boolean readPaused() {
        return readPaused;
    }

    /** The socket is readable: one read, and what it completes goes to the handler. */
    void onReadable(ByteBuffer scratch) {
        try {
            if (phase == Phase.HEADER) {
                readHeader();
                return;
            }
            scratch.clear();
            int n = channel.read(scratch);
            if (n < 0) {
                endOfInput();
                return;
            }
            scratch.flip();
            decoder.decode(scratch, this::onFrame);
            afterInput();
        } catch (FramingException | BadInputException e) {
            badInput(e.getMessage());
        } catch (IOException e) {
            // a reset from the supervisor's side (client gone): nothing to answer
            WorkerLog.debug("connection {}: {}", id, e.toString());
            closeNow();
        } catch (Exception | StackOverflowError e) {
            handlerFailed(e);
        }
    }

    /** The socket takes bytes again: what waits in the outbound first, then the next deliveries. */
    void onWritable() {
        try {
            flush();
        } catch (IOException e) {
            WorkerLog.debug("connection {}: {}", id, e.toString());
            closeNow();
            return;
        }
        drainOutbox();
    }

    /**
     * Moves a batch of deliveries to the socket, what it does not take to the outbound, up to its
     * high-water mark (a full outbound waits for the client; the outbox's bound drops one that never
     * reads). While more wait, the key stays interested in writing. Closes once the outbox asks.
     */
    private void drainOutbox() {
        if (topics == null || phase == Phase.CLOSING || phase == Phase.CLOSED) {
            return;
        }
        ByteBuffer[] parts = topics.next(outbound.room(), encoder);
        try {
            if (parts.length > 0) {
                send(parts);
            }
        } catch (IOException e) {
            WorkerLog.debug("connection {}: {}", id, e.toString());
            closeNow();
            return;
        }
        if (topics.closeDue()) {
            close(); // the broker link is lost: what was delivered goes out, then the connection ends
            return;
        }
        updateInterest();
    }

    private void readHeader() throws Exception {
        if (header == null) {
            header = ProxyHeaderReader.forBufferSize(protocol.bufferSize());
        }
        ProxyHeaderReader.Step got = header.step(channel, id);
        if (got != ProxyHeaderReader.Step.HEADER) {
            if (got == ProxyHeaderReader.Step.CLOSE) {
                closeNow();
            }
            return;
        }
        ByteBuffer rest = header.rest();
        client = ProxiedClient.of(header.header());
        header = null;
        phase = Phase.OPEN;
        call("onOpen", () -> handler.onOpen(this));
        lastMessageNanos = System.nanoTime();
        if (rest.hasRemaining() && phase == Phase.OPEN) {
            decoder.decode(rest, this::onFrame);
            afterInput();
        }
    }

    private void onFrame(ByteBuffer frame) throws Exception {
        if (phase != Phase.OPEN) {
            return; // closed by the handler (or bad input) earlier in this read: the rest is not read
        }
        lastMessageNanos = System.nanoTime();
        WorkerFrames.dispatch(protocol, this, frame, f -> call("onMessage", () -> handler.onMessage(this, f)));
    }

    /** After a read: stop reading while too much waits for the client (backpressure). */
    private void afterInput() {
        if (phase == Phase.OPEN && outbound.aboveHighWater() && !readPaused) {
            readPaused = true;
            updateInterest();
        }
    }

    private void endOfInput() throws Exception {
        phase = Phase.INPUT_ENDED;
        updateInterest();
        // a JSON number at the very end is complete only now
        int dropped = decoder.finish(this::onFrame);
        if (dropped > 0) {
            WorkerLog.warn("connection {} from {}: ended inside a frame; dropped its {} trailing byte(s)", id, client.describe(), dropped);
        }
        call("onEndOfInput", () -> handler.onEndOfInput(this));
        // as in the other models: once the handler has had its say about the end, the connection ends
        close();
    }

    /** A handler call, timed by the loop's watchdog. */
    private void call(String what, LoopWatchdog.Call c) throws Exception {
        loop.watchdog().time(what, c);
    }

    /** Tells the client what was wrong, where the framing allows, then closes. Nothing more is read. */
    private void badInput(String message) {
        WorkerLog.warn("connection {} from {}: bad input, closing: {}", id, client.describe(), message);
        if (protocol.canReportErrors() && open) {
            try {
                reply(Heartbeat.error(message));
            } catch (IOException e) {
                // the client is gone as well; closing is all that is left
                WorkerLog.debug("connection {}: error reply failed: {}", id, e.toString());
            }
        }
        close();
    }

    private void handlerFailed(Throwable e) {
        WorkerLog.warn("connection {} from {}: handler {} failed, closing this connection: {}",
                id, client.describe(), handler.getClass().getName(), e.toString(), e);
        close();
    }

    /** Closes the connection if it has been silent longer than the heartbeat timeout; the loop sweeps with it. */
    boolean closeIfSilent(long nowNanos) {
        if (phase != Phase.OPEN || !WorkerFrames.heartbeatTimedOut(protocol, id, clientAddress(), lastMessageNanos, nowNanos)) {
            return false;
        }
        close();
        return true;
    }

    @Override
    public void reply(ByteBuffer message) throws IOException {
        if (!loop.inLoop()) {
            // another thread of the handler's: copy now (the caller may reuse its buffer), send on the loop
            ByteBuffer copy = ByteBuffer.allocate(message.remaining()).put(message).flip();
            if (!open) {
                throw new ClosedChannelException();
            }
            loop.execute(() -> {
                try {
                    reply(copy);
                } catch (IOException e) {
                    WorkerLog.debug("connection {}: reply from another thread: {}", id, e.toString());
                }
            });
            return;
        }
        if (!open || phase == Phase.CLOSING || phase == Phase.CLOSED) {
            throw new ClosedChannelException();
        }
        send(encoder.encode(message));
    }

    /** On the loop: writes what the socket takes now and queues the rest in the bounded outbound. */
    private void send(ByteBuffer[] parts) throws IOException {
        try {
            if (outbound.send(channel, parts)) {
                updateInterest();
            }
        } catch (Outbound.CapExceeded e) {
            WorkerLog.warn("connection {} from {}: {}; closing", id, client.describe(), e.getMessage());
            closeNow();
            throw e;
        }
    }

    private void flush() throws IOException {
        if (phase == Phase.CLOSED) {
            return;
        }
        boolean empty = outbound.flush(channel);
        if (empty && phase == Phase.CLOSING) {
            closeNow();
            return;
        }
        if (readPaused && outbound.belowLowWater()) {
            readPaused = false;
        }
        updateInterest();
    }

    /** Reading while open and not paused; writing while replies wait. */
    private void updateInterest() {
        if (key == null || !key.isValid()) {
            return;
        }
        int ops = 0;
        if ((phase == Phase.HEADER || phase == Phase.OPEN) && !readPaused) {
            ops |= SelectionKey.OP_READ;
        }
        if (!outbound.isEmpty() || topics != null && phase != Phase.CLOSING && topics.pending()) {
            ops |= SelectionKey.OP_WRITE;
        }
        key.interestOps(ops);
    }

    @Override
    public void close() {
        if (!loop.inLoop()) {
            open = false;
            loop.execute(this::close);
            return;
        }
        open = false;
        if (phase == Phase.CLOSING || phase == Phase.CLOSED) {
            return;
        }
        if (topics != null) {
            topics.closed(); // its members leave as closed now, as in the other models; queued deliveries are dropped
        }
        if (outbound.isEmpty() || phase == Phase.HEADER) {
            closeNow();
            return;
        }
        phase = Phase.CLOSING;
        updateInterest();
    }

    /** Closes the socket now, dropping anything unsent; the handler hears of it once. */
    void closeNow() {
        if (phase == Phase.CLOSED) {
            return;
        }
        boolean opened = phase != Phase.HEADER;
        phase = Phase.CLOSED;
        open = false;
        outbound.clear();
        if (topics != null) {
            topics.closed();
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing a Unix socket only fails if it is already broken; it is gone either way
            WorkerLog.debug("connection {}: close: {}", id, e.toString());
        }
        loop.closed(this);
        if (opened) {
            try {
                call("onClose", () -> handler.onClose(this));
            } catch (Exception | StackOverflowError e) {
                WorkerLog.warn("connection {}: handler onClose failed: {}", id, e.toString(), e);
            }
        }
    }

    /** Publish/subscribe gave up on this connection (a slow reader, a subscriber that threw): closed now, unsent bytes dropped. */
    private void abort() {
        open = false;
        loop.execute(this::closeNow);
    }

    @Override
    public void publish(String topic, ByteBuffer message) throws IOException {
        pubSub().publish(topic, message);
    }

    @Override
    public Subscription subscribe(String topic, String member, int history, Subscriber subscriber) throws IOException {
        return pubSub().subscribe(topic, member, history, subscriber);
    }

    private EventedTopics pubSub() {
        if (topics == null) {
            throw new UnsupportedOperationException("publish/subscribe is not available on this connection");
        }
        return topics;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress clientAddress() {
        return client.source();
    }

    @Override
    public InetSocketAddress localAddress() {
        return client.destination();
    }

    @Override
    public Optional<TlsInfo> tls() {
        return client.tls();
    }

    @Override
    public boolean isOpen() {
        return open && channel.isOpen();
    }
}
