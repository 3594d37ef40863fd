package dev.forkd.worker.blocking;

import dev.forkd.worker.common.BadInputException;
import dev.forkd.worker.common.Protocol;
import dev.forkd.worker.common.WorkerFrames;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.worker.proxy.ProxiedClient;
import dev.forkd.worker.proxy.ProxyHeaderReader;
import dev.forkd.worker.pubsub.ConnectionTopics;
import dev.forkd.worker.pubsub.Outbox;
import dev.forkd.worker.pubsub.PubSub;
import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import dev.forkd.api.Subscriber;
import dev.forkd.api.Subscription;
import dev.forkd.api.TlsInfo;
import dev.forkd.shared.Heartbeat;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import dev.forkd.shared.framing.FrameDecoder;
import dev.forkd.shared.framing.FrameEncoder;
import dev.forkd.shared.framing.FramingException;
import dev.forkd.shared.framing.Framings;

/**
 * One relayed stream from the supervisor: a PROXY v2 header, then the client's bytes. Blocking
 * I/O on the connection's own thread. The bytes are cut into frames (in raw framing, each read is
 * a message); in framed modes the worker answers heartbeats itself, and bad input gets an error
 * message where the framing can carry one, then the connection is closed.
 */
public final class ClientConnection implements Connection, Runnable {

    private final long id;
    private final SocketChannel channel;
    private final Handler handler;
    private final Protocol protocol;
    private final FrameDecoder decoder;
    private final FrameEncoder encoder;
    private final Object writeLock = new Object();
    /** What the PROXY header says of the client; unknown until it is read. */
    private volatile ProxiedClient client = ProxiedClient.UNKNOWN;
    private volatile boolean open = true;
    private boolean opened;
    private volatile long lastMessageNanos = System.nanoTime();
    /** Null when the worker offers no publish/subscribe (tests). */
    private final ConnectionTopics topics;

    ClientConnection(long id, SocketChannel channel, Handler handler, int bufferSize) {
        this(id, channel, handler, Protocol.raw(bufferSize));
    }

    ClientConnection(long id, SocketChannel channel, Handler handler, Protocol protocol) {
        this(id, channel, handler, protocol, null);
    }

    public ClientConnection(long id, SocketChannel channel, Handler handler, Protocol protocol, PubSub pubsub) {
        this.id = id;
        this.channel = channel;
        this.handler = handler;
        this.protocol = protocol;
        this.decoder = Framings.decoder(protocol.framing(), protocol.maxFrame(), protocol.fixedSize());
        this.encoder = Framings.encoder(protocol.framing(), protocol.fixedSize());
        this.topics = pubsub == null ? null : new ConnectionTopics(new ConnectionTopics.Owner() {
            @Override
            public long id() {
                return id;
            }

            @Override
            public void close() {
                ClientConnection.this.close();
            }
        }, pubsub, threadWriter());
    }

    /** The blocking models' writer of the outbox: the connection's own framed, gathering writes, then its close. */
    private Outbox.Sink threadWriter() {
        return new Outbox.Sink() {
            @Override
            public void write(java.util.List<ByteBuffer> payloads) throws IOException {
                replyAll(payloads);
            }

            @Override
            public void close() {
                ClientConnection.this.close();
            }
        };
    }

    @Override
    public void run() {
        ByteBuffer buf = ByteBuffer.allocate(protocol.bufferSize());
        try {
            buf = readHeader(buf);
            if (buf == null) {
                return;
            }
            opened = true;
            handler.onOpen(this);
            lastMessageNanos = System.nanoTime();
            if (buf.hasRemaining() && open) {
                decoder.decode(buf, this::onFrame);
            }
            while (open) {
                buf.clear();
                int n = channel.read(buf);
                if (n < 0) {
                    // a JSON number at the very end is complete only now
                    int dropped = decoder.finish(this::onFrame);
                    if (dropped > 0) {
                        WorkerLog.warn("connection {} from {}: ended inside a frame; dropped its {} trailing byte(s)", id, describeClient(), dropped);
                    }
                    handler.onEndOfInput(this);
                    break;
                }
                buf.flip();
                decoder.decode(buf, this::onFrame);
            }
        } catch (FramingException | BadInputException e) {
            badInput(e.getMessage());
        } catch (ClosedChannelException e) {
            WorkerLog.debug("connection {}: closed", id);
        } catch (IOException e) {
            // a reset from the supervisor's side (client gone): nothing to answer
            WorkerLog.debug("connection {}: {}", id, e.toString());
        } catch (Exception | StackOverflowError e) {
            WorkerLog.warn("connection {} from {}: handler {} failed, closing this connection: {}",
                    id, describeClient(), handler.getClass().getName(), e.toString(), e);
        } finally {
            close();
            if (opened) {
                try {
                    handler.onClose(this);
                } catch (RuntimeException e) {
                    WorkerLog.warn("connection {}: handler onClose failed: {}", id, e.toString(), e);
                }
            }
        }
    }

    private void onFrame(ByteBuffer frame) throws Exception {
        lastMessageNanos = System.nanoTime();
        WorkerFrames.dispatch(protocol, this, frame, f -> handler.onMessage(this, f));
    }

    /** Tells the client what was wrong, where the framing allows, then closes. Memory stays bounded: nothing more is read. */
    private void badInput(String message) {
        WorkerLog.warn("connection {} from {}: bad input, closing: {}", id, describeClient(), message);
        if (protocol.canReportErrors() && open) {
            try {
                reply(Heartbeat.error(message));
            } catch (IOException e) {
                // the client is gone as well; closing is all that is left
                WorkerLog.debug("connection {}: error reply failed: {}", id, e.toString());
            }
        }
    }

    /** Closes the connection if it has been silent longer than the heartbeat timeout; for the worker's watchdog. */
    public boolean closeIfSilent(long nowNanos) {
        if (!open || !WorkerFrames.heartbeatTimedOut(protocol, id, clientAddress(), lastMessageNanos, nowNanos)) {
            return false;
        }
        close();
        return true;
    }

    /** Returns the buffer holding any client bytes that came with the header, or null if the stream was bad or has no client. */
    private ByteBuffer readHeader(ByteBuffer buf) throws IOException {
        ProxyHeaderReader.Read r = ProxyHeaderReader.readBlocking(channel, buf, id);
        if (r == null) {
            return null;
        }
        client = ProxiedClient.of(r.header());
        return r.rest();
    }

    private String describeClient() {
        return client.describe();
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
    public void reply(ByteBuffer message) throws IOException {
        ByteBuffer[] parts = encoder.encode(message);
        synchronized (writeLock) {
            // one gathering write per round: the prefix or newline goes with the payload, not after it
            while (hasRemaining(parts)) {
                channel.write(parts);
            }
        }
    }

    /** Sends several messages in order with gathering writes: deliveries queued for a client go out together. */
    void replyAll(java.util.List<ByteBuffer> messages) throws IOException {
        java.util.List<ByteBuffer> all = new java.util.ArrayList<>(messages.size() * 2);
        for (ByteBuffer m : messages) {
            all.addAll(java.util.Arrays.asList(encoder.encode(m)));
        }
        ByteBuffer[] parts = all.toArray(new ByteBuffer[0]);
        synchronized (writeLock) {
            while (hasRemaining(parts)) {
                channel.write(parts);
            }
        }
    }

    private static boolean hasRemaining(ByteBuffer[] parts) {
        for (ByteBuffer p : parts) {
            if (p.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void publish(String topic, ByteBuffer message) throws IOException {
        if (topics == null) {
            Connection.super.publish(topic, message);
        }
        topics.publish(topic, message);
    }

    @Override
    public Subscription subscribe(String topic, String member, int history, Subscriber subscriber) throws IOException {
        if (topics == null) {
            return Connection.super.subscribe(topic, member, history, subscriber);
        }
        return topics.subscribe(topic, member, history, subscriber);
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        if (topics != null) {
            topics.closed();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing a Unix socket only fails if it is already broken; it is gone either way
            WorkerLog.debug("connection {}: close: {}", id, e.toString());
        }
    }

    @Override
    public boolean isOpen() {
        return open && channel.isOpen();
    }
}
