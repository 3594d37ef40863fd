package dev.forkd.supervisor.relay;

import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.Dispatcher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** One selector thread of the relay. Connections are registered through its task queue, never from other threads directly. */
final class RelayLoop implements Runnable {
    private static final Logger LOG = LogManager.getLogger(RelayLoop.class);

    /**
     * Direct buffers a loop ever allocates for pending bytes. Beyond that (many stalled peers at
     * once) pending bytes go to heap buffers of their exact size: a direct buffer's native memory
     * is freed only when a GC happens to find it, which is how the soak test once saw the
     * supervisor grow by hundreds of MiB.
     */
    private static final int POOL_MAX = 64;
    private static final RateLimitedLog BUDGET_SPENT = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private static final RateLimitedLog TOO_SLOW = new RateLimitedLog(LOG, Level.INFO, 10, TimeUnit.SECONDS);

    private final Selector selector;
    /** Every read of this loop lands here first; see {@link RelayedConnection}. */
    private final ByteBuffer scratch;
    /** Buffers of scratch's size for bytes a peer could not take yet; reused, so connections allocate none. */
    private final ArrayDeque<ByteBuffer> pool = new ArrayDeque<>();
    private int directAllocated;
    private final Consumer<SelectionKey> onReady = this::onReady;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Channels whose keys are cancelled, to close once the selector has let go of them; see {@link #closeLater}. */
    private final ArrayList<SocketChannel> toClose = new ArrayList<>();
    private final ArrayList<SocketChannel> closing = new ArrayList<>();
    private final Thread thread;
    private final long idleTimeoutNanos;
    private final long sweepMillis;
    private long lastSweepNanos = System.nanoTime();
    private volatile boolean running = true;
    /*
     * Every byte a connection holds in a pending buffer counts against the budget. A connection
     * reads a side only while the budget has room for one more chunk (a read's most); when it
     * has not, it stops reading that side and waits here until a release makes room. The check
     * and the stash that may follow are not atomic across loops, so the budget can be overshot
     * by at most one chunk per loop thread (each loop stashes at most one chunk per passed
     * check): used <= limit + relay threads x chunk.
     */
    private final MemoryBudget budget;
    /** Connections that did not read a side because the budget was spent; on the loop's thread only. */
    private final ArrayList<RelayedConnection> paused = new ArrayList<>();
    /** Read by releasing threads: wake this loop only when it has something to resume. */
    private volatile boolean hasPaused;
    private final MinRate minRate;
    private final LongAdder tooSlow;

    /**
     * @param idleTimeoutNanos close connections with no byte either way for this long; 0 = never
     * @param minRate close connections holding a worker that move too few bytes per window
     * @param tooSlow counts the connections closed for --min-rate
     */
    RelayLoop(int index, int bufferSize, long idleTimeoutNanos, MinRate minRate, MemoryBudget budget, LongAdder tooSlow)
            throws IOException {
        this.selector = Selector.open();
        this.scratch = ByteBuffer.allocateDirect(bufferSize);
        this.thread = new Thread(this, "relay-" + index);
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.minRate = minRate;
        this.budget = budget;
        this.tooSlow = tooSlow;
        this.sweepMillis = sweepMillis(idleTimeoutNanos, minRate.enabled());
        budget.onRelease(() -> {
            if (hasPaused) {
                selector.wakeup();
            }
        });
    }

    /** A few times per idle timeout, at most once a second (the timeouts are coarse by nature); 0 = no sweep. */
    static long sweepMillis(long idleTimeoutNanos, boolean minRate) {
        long idle = idleTimeoutNanos <= 0 ? Long.MAX_VALUE : Math.max(10, TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos) / 4);
        long every = Math.min(1000, idle);
        return idleTimeoutNanos <= 0 && !minRate ? 0 : every;
    }

    void start() {
        thread.start();
    }

    Selector selector() {
        return selector;
    }

    /** The loop's read buffer; on its thread only, and only until the next read. */
    ByteBuffer scratch() {
        return scratch;
    }

    /**
     * Moves what is left in {@code buf} (the scratch buffer) into a pooled buffer, returned in
     * drain mode. Its capacity counts against the budget until {@link #release}.
     */
    ByteBuffer stash(ByteBuffer buf) {
        ByteBuffer b = pool.poll();
        if (b == null) {
            if (directAllocated >= POOL_MAX) {
                b = ByteBuffer.allocate(buf.remaining());
                budget.reserve(b.capacity());
                return b.put(buf).flip();
            }
            directAllocated++;
            b = ByteBuffer.allocateDirect(scratch.capacity());
        }
        budget.reserve(b.capacity());
        b.clear();
        return b.put(buf).flip();
    }

    /** Counts a buffer a connection was given from elsewhere (bytes read before relaying began) against the budget. */
    void hold(ByteBuffer b) {
        budget.reserve(b.capacity());
    }

    /**
     * Gives a buffer from {@link #stash} or {@link #hold} back to the budget; pooled ones are
     * reused, null and heap buffers are left to the garbage collector.
     */
    void release(ByteBuffer b) {
        if (b == null) {
            return;
        }
        if (b.isDirect() && b.capacity() == scratch.capacity()) {
            pool.push(b);
        }
        budget.release(b.capacity());
    }

    /** True if a connection may read now: the budget has room for what one read may leave pending. */
    boolean mayRead() {
        return budget.hasRoom(scratch.capacity());
    }

    /** {@code c} stopped reading a side for want of budget; it is told {@link RelayedConnection#resume} once there is room. */
    void pause(RelayedConnection c, String side) {
        paused.add(c);
        hasPaused = true;
        budget.exhausted();
        BUDGET_SPENT.log("memory budget of {} MiB spent ({} bytes held in relay buffers): not reading from {} until buffers are freed",
                budget.limit() >> 20, budget.used(), side);
    }

    /** Lets the paused connections read again once the budget has room; each checks again before its next read. */
    private void resumePaused() {
        if (paused.isEmpty() || !mayRead()) {
            return;
        }
        ArrayList<RelayedConnection> again = new ArrayList<>(paused);
        paused.clear();
        hasPaused = false;
        for (RelayedConnection c : again) {
            c.resume();
        }
    }

    /**
     * Closes {@code ch}, whose key was cancelled, at the end of this round. A channel still
     * registered with a selector is closed by the JDK with a getsockopt(SO_LINGER) and a
     * shutdown(SHUT_WR) first, and its descriptor only at the next select; closed after the
     * selector has deregistered it, it is a plain close(2). Two system calls fewer per channel,
     * four per relayed connection. On the loop's thread.
     */
    void closeLater(SocketChannel ch) {
        toClose.add(ch);
    }

    /** Deregisters the cancelled keys (a selectNow, whose events are handled as usual) and closes their channels. */
    private void flushCloses() {
        while (!toClose.isEmpty()) {
            closing.addAll(toClose);
            toClose.clear();
            try {
                selector.selectNow(onReady);
            } catch (IOException | ClosedSelectorException e) {
                // the channels still close; the JDK then shuts them down itself
                LOG.debug("deregistering closed connections: {}", e.toString());
            }
            for (SocketChannel ch : closing) {
                Dispatcher.closeQuietly(ch);
            }
            closing.clear();
        }
    }

    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    @Override
    public void run() {
        while (running) {
            try {
                // the action form: no selected-key set to fill, iterate and empty on every round
                selector.select(onReady, sweepMillis);
                runTasks();
                resumePaused();
                sweep();
            } catch (ClosedSelectorException e) {
                break;
            } catch (IOException | RuntimeException e) {
                // one bad event must not stop the loop that carries every other connection
                LOG.error("relay loop error: {}", e.toString(), e);
            } finally {
                // whatever happened, a closed connection's peers see their EOF this round
                flushCloses();
            }
        }
    }

    private void onReady(SelectionKey key) {
        try {
            ((RelayedConnection) key.attachment()).onReady(key);
        } catch (RuntimeException e) {
            // one bad event must not stop the loop that carries every other connection
            LOG.error("relay loop error: {}", e.toString(), e);
        }
    }

    /** The idle timeout and --min-rate, at most every {@link #sweepMillis}. */
    private void sweep() {
        if (sweepMillis <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastSweepNanos < TimeUnit.MILLISECONDS.toNanos(sweepMillis)) {
            return;
        }
        lastSweepNanos = now;
        Set<RelayedConnection> seen = new HashSet<>();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof RelayedConnection) {
                RelayedConnection c = (RelayedConnection) key.attachment();
                if (!seen.add(c) || c.isClosed()) {
                    continue;
                }
                if (idleTimeoutNanos > 0 && now - c.lastActivityNanos > idleTimeoutNanos) {
                    LOG.info("connection {} from {}: no byte either way for {} s (idle timeout); closing",
                            c.id, c.clientLabel, TimeUnit.NANOSECONDS.toSeconds(now - c.lastActivityNanos));
                    c.abort("idle timeout");
                } else if (minRate.enabled() && c.holdsWorker()) {
                    checkRate(c, now);
                }
            }
        }
    }

    private void checkRate(RelayedConnection c, long now) {
        long moved = c.bytesMoved();
        switch (minRate.check(c.rateWindowStartNanos, c.rateWindowStartBytes, now, moved)) {
            case TOO_SLOW:
                tooSlow.increment();
                TOO_SLOW.log("connection {} from {} held worker {} and moved {} byte(s) in {} s, under --min-rate {}B/s; closing",
                        c.id, c.clientLabel, c.target.id(), moved - c.rateWindowStartBytes,
                        TimeUnit.NANOSECONDS.toSeconds(now - c.rateWindowStartNanos), minRate.bytesPerSecond());
                c.abort("under --min-rate");
                break;
            case FAST_ENOUGH:
                c.rateWindowStartNanos = now;
                c.rateWindowStartBytes = moved;
                break;
            default:
                break;
        }
    }

    private void runTasks() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.error("relay task failed: {}", e.toString(), e);
            }
        }
    }

    /** Closes every connection on this loop and ends the thread. */
    void shutdown() throws InterruptedException {
        execute(() -> {
            for (SelectionKey key : new ArrayList<>(selector.keys())) {
                if (key.attachment() instanceof RelayedConnection) {
                    ((RelayedConnection) key.attachment()).abort("supervisor stopping");
                }
            }
            running = false;
        });
        thread.join(5000);
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing selector: {}", e.toString());
        }
    }
}
