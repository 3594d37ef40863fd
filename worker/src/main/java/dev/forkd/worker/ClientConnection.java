package dev.forkd.worker;

import dev.forkd.shared.ProxyHeader;
import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxyV2;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One relayed stream from the supervisor: a PROXY v2 header, then the client's bytes. Blocking
 * I/O on the connection's own thread; the handler sees each read as a message.
 */
final class ClientConnection implements Connection, Runnable {
    private static final Logger LOG = LogManager.getLogger(ClientConnection.class);

    private final long id;
    private final SocketChannel channel;
    private final Handler handler;
    private final int bufferSize;
    private final Object writeLock = new Object();
    private volatile ProxyHeader header;
    private volatile boolean open = true;

    ClientConnection(long id, SocketChannel channel, Handler handler, int bufferSize) {
        this.id = id;
        this.channel = channel;
        this.handler = handler;
        this.bufferSize = bufferSize;
    }

    @Override
    public void run() {
        ByteBuffer buf = ByteBuffer.allocate(bufferSize);
        try {
            buf = readHeader(buf);
            if (buf == null) {
                return;
            }
            handler.onOpen(this);
            if (buf.hasRemaining() && open) {
                handler.onMessage(this, buf);
            }
            while (open) {
                buf.clear();
                int n = channel.read(buf);
                if (n < 0) {
                    handler.onEndOfInput(this);
                    break;
                }
                buf.flip();
                handler.onMessage(this, buf);
            }
        } catch (ClosedChannelException e) {
            LOG.debug("connection {}: closed", id);
        } catch (IOException e) {
            // a reset from the supervisor's side (client gone): nothing to answer
            LOG.debug("connection {}: {}", id, e.toString());
        } catch (Exception | StackOverflowError e) {
            LOG.warn("connection {} from {}: handler {} failed, closing this connection: {}",
                    id, describeClient(), handler.getClass().getName(), e.toString(), e);
        } finally {
            close();
            try {
                handler.onClose(this);
            } catch (RuntimeException e) {
                LOG.warn("connection {}: handler onClose failed: {}", id, e.toString(), e);
            }
        }
    }

    /** Returns the buffer holding any client bytes that came with the header, or null if the stream was bad. */
    private ByteBuffer readHeader(ByteBuffer buf) throws IOException {
        while (true) {
            if (channel.read(buf) < 0) {
                LOG.warn("connection {}: closed before its PROXY header was complete", id);
                return null;
            }
            buf.flip();
            try {
                header = ProxyV2.decode(buf);
            } catch (ProxyProtocolException e) {
                LOG.warn("connection {}: invalid PROXY header, closing: {}", id, e.getMessage());
                return null;
            }
            if (header != null) {
                return buf;
            }
            buf.compact();
            if (!buf.hasRemaining()) {
                // a header with TLVs larger than the buffer: grow once, to the protocol's bound
                ByteBuffer bigger = ByteBuffer.allocate(ProxyV2.MAX_LENGTH);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }
    }

    private String describeClient() {
        InetSocketAddress a = clientAddress();
        return a == null ? "(unknown)" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress clientAddress() {
        ProxyHeader h = header;
        return h == null ? null : h.source();
    }

    @Override
    public InetSocketAddress localAddress() {
        ProxyHeader h = header;
        return h == null ? null : h.destination();
    }

    @Override
    public void reply(ByteBuffer message) throws IOException {
        synchronized (writeLock) {
            while (message.hasRemaining()) {
                channel.write(message);
            }
        }
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
            LOG.debug("connection {}: close: {}", id, e.toString());
        }
    }

    @Override
    public boolean isOpen() {
        return open && channel.isOpen();
    }
}
