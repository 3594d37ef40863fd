package dev.forkd.supervisor;

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

    /** @param idleTimeoutNanos close connections with no byte either way for this long; 0 = never */
    RelayLoop(int index, int bufferSize, long idleTimeoutNanos) throws IOException {
        this.selector = Selector.open();
        this.scratch = ByteBuffer.allocateDirect(bufferSize);
        this.thread = new Thread(this, "relay-" + index);
        this.idleTimeoutNanos = idleTimeoutNanos;
        // sweep a few times per timeout, at most once a second: the timeout is coarse by nature
        this.sweepMillis = idleTimeoutNanos <= 0 ? 0 : Math.max(10, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos) / 4));
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

    /** Moves what is left in {@code buf} (the scratch buffer) into a pooled buffer, returned in drain mode. */
    ByteBuffer stash(ByteBuffer buf) {
        ByteBuffer b = pool.poll();
        if (b == null) {
            if (directAllocated >= POOL_MAX) {
                return ByteBuffer.allocate(buf.remaining()).put(buf).flip();
            }
            directAllocated++;
            b = ByteBuffer.allocateDirect(scratch.capacity());
        }
        b.clear();
        return b.put(buf).flip();
    }

    /** Gives a buffer from {@link #stash} back; null and heap buffers are left to the garbage collector. */
    void release(ByteBuffer b) {
        if (b != null && b.isDirect() && b.capacity() == scratch.capacity()) {
            pool.push(b);
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
                sweepIdle();
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

    private void sweepIdle() {
        if (idleTimeoutNanos <= 0) {
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
                if (seen.add(c) && !c.isClosed() && now - c.lastActivityNanos > idleTimeoutNanos) {
                    LOG.info("connection {} from {}: no byte either way for {} s (idle timeout); closing",
                            c.id, c.clientLabel, TimeUnit.NANOSECONDS.toSeconds(now - c.lastActivityNanos));
                    c.abort("idle timeout");
                }
            }
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
