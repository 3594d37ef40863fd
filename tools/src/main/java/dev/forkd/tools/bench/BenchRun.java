package dev.forkd.tools.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs one {@code forkd bench}: a thread per connection (simple, and fine up to a thousand or
 * so), all connected before the clock starts so that connection setup is not measured; then
 * warmup, the measured window, and a stop that closes every socket so that no thread outlives
 * the run by more than a bounded wait.
 */
final class BenchRun {
    private static final Logger LOG = LogManager.getLogger(BenchRun.class);
    /** Blocking I/O on small buffers needs little stack; a thousand default stacks would reserve a gigabyte. */
    private static final long STACK_BYTES = 256 * 1024;
    /** Beyond --timeout (which bounds a connect in progress), how long stopping may take. */
    private static final long STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Not a single connection could be made; the message is fit for a user. */
    static final class NoConnectionException extends Exception {
        private static final long serialVersionUID = 1L;

        NoConnectionException(String message) {
            super(message);
        }
    }

    private final BenchPlan plan;

    BenchRun(BenchPlan plan) {
        this.plan = plan;
    }

    BenchResult run() throws NoConnectionException, InterruptedException {
        BenchStats stats = new BenchStats();
        CountDownLatch tried = new CountDownLatch(plan.connections());
        CompletableFuture<BenchConnection.Window> window = new CompletableFuture<>();
        List<BenchConnection> connections = new ArrayList<>(plan.connections());
        List<Thread> threads = new ArrayList<>(plan.connections());
        long measureStart;
        long stoppedAt;
        try {
            for (int i = 0; i < plan.connections(); i++) {
                BenchConnection c = new BenchConnection(i, plan, stats, tried, window);
                Thread t = new Thread(null, c, "forkd-bench-" + i, STACK_BYTES);
                t.setDaemon(true);
                connections.add(c);
                threads.add(t);
                t.start();
            }
            if (!tried.await(plan.timeout().toNanos() + STOP_GRACE_NANOS, TimeUnit.NANOSECONDS)) {
                LOG.warn("not every connection was tried within {} ms; starting without them", plan.timeout().toMillis());
            }
            long made = connections.stream().filter(BenchConnection::everConnected).count();
            String why = stats.firstConnectError();
            if (made == 0) {
                throw new NoConnectionException("no connection could be made" + (why == null ? "" : ": " + why));
            }
            if (made < plan.connections()) {
                LOG.warn("{} of {} connections could not be made ({}); they are tried again during the run",
                        plan.connections() - made, plan.connections(), why == null ? "still connecting" : why);
            }
            stats.started();
            long start = System.nanoTime();
            measureStart = start + plan.warmup().toNanos();
            long end = measureStart + plan.duration().toNanos();
            window.complete(new BenchConnection.Window(measureStart, end,
                    plan.openLoop() ? new OpenLoopSchedule(start, plan.rate(), plan.connections()) : null));
            LOG.debug("running until {} ms from now", TimeUnit.NANOSECONDS.toMillis(end - start));
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
            stoppedAt = System.nanoTime();
        } finally {
            // no-op after a normal start; when abandoning, releases the threads waiting for the window
            window.complete(null);
            // every connection stops recording before any socket closes: a server that serves N at once
            // gives a freed slot to a waiting connection, whose reply would otherwise count as an answer
            connections.forEach(BenchConnection::stopping);
            connections.forEach(BenchConnection::stop);
            join(threads);
        }
        int connected = (int) connections.stream().filter(BenchConnection::everConnected).count();
        int answered = (int) connections.stream().filter(BenchConnection::everAnswered).count();
        Histogram h = stats.histogram();
        BenchResult.Latency latency = BenchResult.Latency.of(h);
        List<BenchCapacity.Waits> waits = new ArrayList<>(connections.size());
        for (BenchConnection c : connections) {
            waits.add(c.waits(stoppedAt));
        }
        return new BenchResult(plan, connected, answered, stoppedAt - measureStart, h.getTotalCount(),
                stats.errorCounts(), latency, BenchCapacity.of(waits, latency));
    }

    private void join(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + plan.timeout().toNanos() + STOP_GRACE_NANOS;
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        long stuck = threads.stream().filter(Thread::isAlive).count();
        if (stuck > 0) {
            // daemons: they cannot keep the JVM alive, and they record nothing after stop()
            LOG.warn("{} connection thread(s) still busy after the run; not waiting for them", stuck);
        }
    }
}
