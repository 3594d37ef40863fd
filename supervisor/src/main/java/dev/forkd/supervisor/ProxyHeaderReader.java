package dev.forkd.supervisor;

import dev.forkd.shared.ProxyHeader;
import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxyV1;
import dev.forkd.shared.ProxyV2;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * --accept-proxy: reads the PROXY v1 or v2 header that an upstream load balancer puts before each
 * client's bytes, on one selector thread of its own, then hands the connection on. A connection
 * whose header is missing, malformed, or not complete within the timeout is closed.
 */
final class ProxyHeaderReader implements Runnable {
    private static final Logger LOG = LogManager.getLogger(ProxyHeaderReader.class);
    private static final int FIRST_READ = 512;

    interface Sink {
        void accepted(SocketChannel client, ProxiedClient info);

        void rejected(SocketChannel client);
    }

    private static final class Pending {
        final SocketChannel channel;
        final long deadlineNanos;
        ByteBuffer buf = ByteBuffer.allocate(FIRST_READ);

        Pending(SocketChannel channel, long deadlineNanos) {
            this.channel = channel;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final Selector selector;
    private final Queue<SocketChannel> incoming = new ConcurrentLinkedQueue<>();
    private final long timeoutNanos;
    private final Sink sink;
    private final Thread thread;
    private volatile boolean running = true;

    ProxyHeaderReader(Duration timeout, Sink sink) throws IOException {
        this.selector = Selector.open();
        this.timeoutNanos = timeout.toNanos();
        this.sink = sink;
        this.thread = new Thread(this, "proxy-header");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void submit(SocketChannel client) {
        incoming.add(client);
        selector.wakeup();
    }

    @Override
    public void run() {
        while (running) {
            try {
                selector.select(200);
                SocketChannel ch;
                while ((ch = incoming.poll()) != null) {
                    try {
                        ch.configureBlocking(false);
                        ch.register(selector, SelectionKey.OP_READ, new Pending(ch, System.nanoTime() + timeoutNanos));
                    } catch (IOException e) {
                        reject(ch, "cannot read it: " + e);
                    }
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    read(key);
                }
                expire();
            } catch (ClosedSelectorException e) {
                break;
            } catch (IOException | RuntimeException e) {
                // the other connections waiting for their headers must not be stranded
                LOG.error("PROXY header reader: {}", e.toString(), e);
            }
        }
    }

    private void read(SelectionKey key) {
        Pending p = (Pending) key.attachment();
        try {
            if (!p.buf.hasRemaining()) {
                // only a v2 header with large TLVs gets here; its length field bounds it
                ByteBuffer bigger = ByteBuffer.allocate(ProxyV2.MAX_LENGTH);
                p.buf.flip();
                bigger.put(p.buf);
                p.buf = bigger;
            }
            if (p.channel.read(p.buf) < 0) {
                key.cancel();
                reject(p.channel, "it closed before its PROXY header was complete");
                return;
            }
            ByteBuffer view = p.buf.duplicate().flip();
            ProxyHeader header = view.remaining() > 0 && view.get(0) == 'P' ? ProxyV1.decode(view) : ProxyV2.decode(view);
            if (header == null) {
                return;
            }
            key.cancel();
            ByteBuffer leftover = ByteBuffer.allocate(view.remaining()).put(view).flip();
            sink.accepted(p.channel, new ProxiedClient(header.source(), header.destination(), leftover));
        } catch (ProxyProtocolException e) {
            key.cancel();
            reject(p.channel, "no valid PROXY header (" + e.getMessage() + ")");
        } catch (IOException e) {
            key.cancel();
            reject(p.channel, e.toString());
        }
    }

    private void expire() {
        long now = System.nanoTime();
        for (SelectionKey key : new ArrayList<>(selector.keys())) {
            Pending p = (Pending) key.attachment();
            if (key.isValid() && now - p.deadlineNanos > 0) {
                key.cancel();
                reject(p.channel, "no complete PROXY header within " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s");
            }
        }
    }

    private void reject(SocketChannel ch, String why) {
        String from;
        try {
            from = String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            from = "(closed)";
        }
        LOG.warn("closing a connection from {}: {}", from, why);
        Dispatcher.closeQuietly(ch);
        sink.rejected(ch);
    }

    void close() {
        running = false;
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the PROXY header selector: {}", e.toString());
        }
    }
}
