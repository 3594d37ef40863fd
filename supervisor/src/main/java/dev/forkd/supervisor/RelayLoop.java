package dev.forkd.supervisor;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** One selector thread of the relay. Connections are registered through its task queue, never from other threads directly. */
final class RelayLoop implements Runnable {
    private static final Logger LOG = LogManager.getLogger(RelayLoop.class);

    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final long idleTimeoutNanos;
    private final long sweepMillis;
    private long lastSweepNanos = System.nanoTime();
    private volatile boolean running = true;

    /** @param idleTimeoutNanos close connections with no byte either way for this long; 0 = never */
    RelayLoop(int index, long idleTimeoutNanos) throws IOException {
        this.selector = Selector.open();
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

    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    @Override
    public void run() {
        while (running) {
            try {
                selector.select(sweepMillis);
                runTasks();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    RelayedConnection c = (RelayedConnection) key.attachment();
                    c.onReady(key);
                }
                sweepIdle();
            } catch (ClosedSelectorException e) {
                break;
            } catch (IOException | RuntimeException e) {
                // one bad event must not stop the loop that carries every other connection
                LOG.error("relay loop error: {}", e.toString(), e);
            }
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
