package dev.forkd.worker.blocking;

import dev.forkd.worker.common.WorkerLog;
import dev.forkd.worker.proxy.ProxiedClient;
import dev.forkd.worker.proxy.ProxyHeaderReader;
import dev.forkd.api.TlsInfo;
import dev.forkd.api.StreamConnection;
import dev.forkd.api.StreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One relayed stream served by a {@link StreamHandler}, on the connection's own thread: the PROXY
 * v2 header is read here, then the handler gets the rest of the stream as blocking streams
 * (starting with the client bytes that came with the header). Whatever way handle() ends, the
 * connection is closed, and only this one.
 */
public final class StreamClientConnection implements StreamConnection, Runnable {
    private final long id;
    private final SocketChannel channel;
    private final Supplier<StreamHandler> handlers;
    private final int bufferSize;
    private volatile ProxiedClient client = ProxiedClient.UNKNOWN;
    private ChannelInput input;
    private ChannelOutput output;
    private volatile boolean open = true;

    /**
     * @param handlers makes this connection's handler, on its thread: a constructor that throws ends this connection only
     * @param bufferSize the input buffer (--buffer-size)
     */
    public StreamClientConnection(long id, SocketChannel channel, Supplier<StreamHandler> handlers, int bufferSize) {
        this.id = id;
        this.channel = channel;
        this.handlers = handlers;
        this.bufferSize = bufferSize;
    }

    @Override
    public void run() {
        String handlerName = "(not made)";
        try {
            ProxyHeaderReader.Read r = ProxyHeaderReader.readBlocking(channel, ByteBuffer.allocate(bufferSize), id);
            if (r == null) {
                return;
            }
            client = ProxiedClient.of(r.header());
            input = new ChannelInput(channel, r.rest());
            output = new ChannelOutput(channel);
            StreamHandler handler = handlers.get();
            handlerName = handler.getClass().getName();
            handler.handle(this);
        } catch (IOException e) {
            if (!open) {
                // close() was called, from another thread: what the caller asked for
                WorkerLog.debug("connection {}: closed: {}", id, e.toString());
                return;
            }
            // mostly the client going away mid-conversation (reset, broken pipe): one line, no trace
            WorkerLog.info("connection {} from {}: handler {} ended with {}; closing this connection", id, describeClient(), handlerName,
                    e.toString());
        } catch (Exception | StackOverflowError e) {
            WorkerLog.warn("connection {} from {}: handler {} failed, closing this connection: {}", id, describeClient(), handlerName,
                    e.toString(), e);
        } finally {
            close();
        }
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
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
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
