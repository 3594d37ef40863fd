package dev.forkd.supervisor.listen;

import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;

import dev.forkd.shared.Durations;
import dev.forkd.shared.ProxyHeader;
import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxyV1;
import dev.forkd.shared.ProxyV2;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What happens to a connection between accept and a worker, on one selector thread of its own:
 * with --accept-proxy it reads the upstream proxy's PROXY v1 or v2 header; then, unless the
 * handler speaks first, it waits for the client's first bytes. Only then does the connection go
 * to the dispatcher and take a worker slot, so that clients that connect and send nothing cannot
 * hold the workers; one that sends nothing for --first-data-timeout is closed. What it read
 * after the header goes to the worker first.
 *
 * <p>Its buffers count against the {@link MemoryBudget}: when the budget is spent, new
 * connections wait unread (their timeout still runs) until bytes come back.
 */
public final class Preamble implements Runnable {
    private static final Logger LOG = LogManager.getLogger(Preamble.class);
    /** The first buffer of each connection: a v1 header (107 bytes at most) or a common v2 one, and the start of a request. */
    static final int FIRST_READ = 512;

    public interface Sink {
        /**
         * --accept-proxy: the header declared this client (null for the proxy's own LOCAL or
         * UNKNOWN connections). Returns false if the connection was refused for it (and closed).
         */
        boolean admitDeclared(AcceptedClient client, InetSocketAddress declared);

        /** The connection is ready for a worker; {@link AcceptedClient#leftover()} is what was read of the client's bytes. */
        void ready(AcceptedClient client);

        /** The connection was closed here (bad header, timeout, shutdown). */
        void closed(AcceptedClient client);
    }

    enum Stage { HEADER, FIRST_DATA }

    private static final class Pending {
        final AcceptedClient client;
        final SocketChannel channel;
        Stage stage;
        long deadlineNanos;
        ByteBuffer buf;
        /** Bytes of the budget this connection holds (its buffer's capacity). */
        long reserved;
        /** Bytes it waits for from the budget before it may read again; 0 when not waiting. */
        int wanted;
        InetSocketAddress source;
        InetSocketAddress destination;

        Pending(AcceptedClient client, Stage stage, long deadlineNanos) {
            this.client = client;
            this.channel = client.channel;
            this.stage = stage;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final boolean acceptProxy;
    private final boolean speaksFirst;
    private final long timeoutNanos;
    private final MemoryBudget budget;
    private final DispatchStats stats;
    private final Sink sink;
    private final Selector selector;
    private final Queue<AcceptedClient> incoming = new ConcurrentLinkedQueue<>();
    /** Connections waiting for the budget, oldest first; only this thread touches it. */
    private final ArrayDeque<SelectionKey> starved = new ArrayDeque<>();
    private volatile boolean anyStarved;
    private final Thread thread;
    private volatile boolean running = true;
    private final RateLimitedLog badHeaders = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private final RateLimitedLog timeouts = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private final RateLimitedLog budgetSpent = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);

    /**
     * @param acceptProxy read a PROXY header first
     * @param speaksFirst the handler writes first: hand a connection on without waiting for its bytes
     * @param timeout how long a connection may take to send its header, and then its first bytes
     */
    public Preamble(boolean acceptProxy, boolean speaksFirst, Duration timeout, MemoryBudget budget, DispatchStats stats, Sink sink)
            throws IOException {
        this.acceptProxy = acceptProxy;
        this.speaksFirst = speaksFirst;
        this.timeoutNanos = timeout.toNanos();
        this.budget = budget;
        this.stats = stats;
        this.sink = sink;
        this.selector = Selector.open();
        this.thread = new Thread(this, "preamble");
        thread.setDaemon(true);
        budget.onRelease(() -> {
            if (anyStarved) {
                selector.wakeup();
            }
        });
    }

    /** Whether connections need this stage at all: without a header to read, a speaking-first handler takes them at once. */
    public static boolean needed(boolean acceptProxy, boolean speaksFirst) {
        return acceptProxy || !speaksFirst;
    }

    public void start() {
        thread.start();
    }

    public void submit(AcceptedClient client) {
        incoming.add(client);
        selector.wakeup();
    }

    @Override
    public void run() {
        while (running) {
            try {
                selector.select(200);
                register();
                feedStarved();
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
                // the other connections waiting here must not be stranded
                LOG.error("preamble: {}", e.toString(), e);
            }
        }
    }

    private void register() {
        AcceptedClient client;
        while ((client = incoming.poll()) != null) {
            SocketChannel ch = client.channel;
            Pending p = new Pending(client, acceptProxy ? Stage.HEADER : Stage.FIRST_DATA, System.nanoTime() + timeoutNanos);
            SelectionKey key;
            try {
                ch.configureBlocking(false);
                key = ch.register(selector, 0, p);
            } catch (IOException e) {
                drop(p, null);
                continue;
            }
            want(key, FIRST_READ);
        }
    }

    /**
     * Grows the connection's buffer to {@code capacity} out of the budget and reads on; if the
     * budget is spent, the connection waits unread (its deadline still runs) in {@link #starved}.
     */
    private void want(SelectionKey key, int capacity) {
        Pending p = (Pending) key.attachment();
        int more = capacity - (p.buf == null ? 0 : p.buf.capacity());
        if (!budget.tryReserve(more)) {
            p.wanted = capacity;
            key.interestOps(0);
            starved.add(key);
            anyStarved = true;
            budgetSpent.log("the memory budget ({} bytes) is spent: new connections wait unread ({} now)", budget.limit(), starved.size());
            return;
        }
        p.reserved += more;
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        if (p.buf != null) {
            bigger.put(p.buf.flip());
        }
        p.buf = bigger;
        p.wanted = 0;
        key.interestOps(SelectionKey.OP_READ);
    }

    /** Oldest first, as far as the budget goes. */
    private void feedStarved() {
        while (!starved.isEmpty()) {
            SelectionKey key = starved.peek();
            if (!key.isValid()) {
                starved.poll();
                continue;
            }
            Pending p = (Pending) key.attachment();
            if (!budget.hasRoom(p.wanted - (p.buf == null ? 0 : p.buf.capacity()))) {
                break;
            }
            starved.poll();
            want(key, p.wanted);
            if (p.wanted != 0) {
                break; // taken meanwhile by another thread: it went back to the end; try again later
            }
        }
        anyStarved = !starved.isEmpty();
    }

    private void read(SelectionKey key) {
        Pending p = (Pending) key.attachment();
        try {
            int n = p.channel.read(p.buf);
            if (n < 0) {
                if (p.stage == Stage.HEADER) {
                    reject(key, "it closed before its PROXY header was complete");
                } else {
                    // it sent nothing and shut down its side: the worker sees that as it always did
                    handOver(key);
                }
                return;
            }
            if (p.stage == Stage.HEADER) {
                readHeader(key);
            } else if (p.buf.position() > 0) {
                handOver(key);
            }
        } catch (ProxyProtocolException e) {
            reject(key, "no valid PROXY header (" + e.getMessage() + ")");
        } catch (IOException e) {
            drop(p, key);
        } catch (CancelledKeyException e) {
            // closed by the sink while it was being handed on (refused by the dispatcher): nothing left to do
            LOG.debug("preamble: {}", e.toString());
        }
    }

    private void readHeader(SelectionKey key) throws ProxyProtocolException {
        Pending p = (Pending) key.attachment();
        ByteBuffer view = p.buf.duplicate().flip();
        ProxyHeader header = view.remaining() > 0 && view.get(0) == 'P'
                ? ProxyV1.decode(view)
                : ProxyV2.decode(view, ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH);
        if (header == null) {
            if (!p.buf.hasRemaining()) {
                // only a v2 header with TLVs gets here; decode has checked its declared length
                int declared = ((p.buf.get(14) & 0xFF) << 8) | (p.buf.get(15) & 0xFF);
                want(key, ProxyV2.FIXED_LENGTH + declared + FIRST_READ);
            }
            return;
        }
        p.source = header.source();
        p.destination = header.destination();
        if (!sink.admitDeclared(p.client, p.source)) {
            key.cancel();
            release(p);
            return;
        }
        // keep only what followed the header: the client's first bytes
        p.buf.flip().position(view.position());
        p.buf.compact();
        if (speaksFirst || p.buf.position() > 0) {
            handOver(key);
        } else {
            p.stage = Stage.FIRST_DATA;
            p.deadlineNanos = System.nanoTime() + timeoutNanos;
        }
    }

    private void handOver(SelectionKey key) {
        key.cancel();
        Pending p = (Pending) key.attachment();
        long reserved = p.reserved;
        p.reserved = 0;
        p.client.prepared(p.source, p.destination, p.buf.flip(), () -> budget.release(reserved));
        sink.ready(p.client);
    }

    private void expire() {
        long now = System.nanoTime();
        for (SelectionKey key : new ArrayList<>(selector.keys())) {
            Pending p = (Pending) key.attachment();
            if (key.isValid() && now - p.deadlineNanos > 0) {
                if (p.stage == Stage.HEADER) {
                    reject(key, "no complete PROXY header within " + Durations.format(Duration.ofNanos(timeoutNanos)));
                } else {
                    stats.firstDataTimedOut.increment();
                    timeouts.log("closed a connection from {}: nothing received within {} (--first-data-timeout)",
                            remote(p.channel), Durations.format(Duration.ofNanos(timeoutNanos)));
                    drop(p, key);
                }
            }
        }
    }

    private void reject(SelectionKey key, String why) {
        Pending p = (Pending) key.attachment();
        stats.badProxyHeader.increment();
        badHeaders.log("closed a connection from {}: {}", remote(p.channel), why);
        drop(p, key);
    }

    private void drop(Pending p, SelectionKey key) {
        if (key != null) {
            key.cancel();
        }
        Dispatcher.closeQuietly(p.channel);
        release(p);
        sink.closed(p.client);
    }

    private void release(Pending p) {
        budget.release(p.reserved);
        p.reserved = 0;
    }

    private static String remote(SocketChannel ch) {
        try {
            return String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "(closed)";
        }
    }

    /** Stops; the connections still here are closed (call after the listener has stopped). */
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("the preamble thread did not stop within 5s");
        }
        for (SelectionKey key : selector.keys()) {
            if (key.isValid()) {
                drop((Pending) key.attachment(), key);
            }
        }
        AcceptedClient client;
        while ((client = incoming.poll()) != null) {
            Dispatcher.closeQuietly(client.channel);
            sink.closed(client);
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the preamble's selector: {}", e.toString());
        }
    }
}
