package dev.forkd.supervisor.pool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** The end of a shutdown: workers told to stop get a bounded wait, then TERM, then KILL. On the supervisor's main thread. */
final class WorkerShutdown {
    private static final Logger LOG = LogManager.getLogger(WorkerShutdown.class);

    private WorkerShutdown() {
    }

    /** Waits for every worker in {@code all} (already told to stop) to exit, signalling those that do not. */
    static void awaitOrKill(List<WorkerProcess> all) throws InterruptedException {
        if (!awaitExit(all, Duration.ofSeconds(2))) {
            for (WorkerProcess w : all) {
                w.handle().filter(ProcessHandle::isAlive).ifPresent(h -> {
                    try (var ctx = WorkerLogContext.of(w)) {
                        LOG.warn("{} did not stop when told; sending TERM", w.label());
                    }
                    h.destroy();
                });
            }
            if (!awaitExit(all, Heartbeat.KILL_GRACE)) {
                for (WorkerProcess w : all) {
                    w.handle().filter(ProcessHandle::isAlive).ifPresent(h -> {
                        try (var ctx = WorkerLogContext.of(w)) {
                            LOG.warn("{} still running after TERM; sending KILL", w.label());
                        }
                        h.destroyForcibly();
                    });
                }
                awaitExit(all, Duration.ofSeconds(2));
            }
        }
    }

    private static boolean awaitExit(List<WorkerProcess> all, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (WorkerProcess w : all) {
            Process p = w.process;
            if (p == null) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }
}
