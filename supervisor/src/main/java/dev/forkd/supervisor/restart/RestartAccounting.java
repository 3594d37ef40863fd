package dev.forkd.supervisor.restart;

import dev.forkd.shared.Durations;
import dev.forkd.shared.ExitCodes;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Crash accounting: every worker that ends is counted by reason ({@link RestartCounts}), and each
 * unplanned one is logged, counted against --max-restarts within --restart-window, and may delay
 * the next start (a run of fast exits backs off). On the pool thread.
 */
public final class RestartAccounting {
    private static final Logger LOG = LogManager.getLogger(RestartAccounting.class);
    /** {@link #unplanned} says so when restarting does not help any more. */
    public static final long GIVE_UP = -1;

    private final RestartCounts counts = new RestartCounts();
    private final int maxRestarts;
    private final Duration window;
    private final RestartIntensity intensity;
    private final RestartPolicy backoff = new RestartPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofSeconds(2),
            () -> ThreadLocalRandom.current().nextDouble());

    public RestartAccounting(int maxRestarts, Duration window) {
        this.maxRestarts = maxRestarts;
        this.window = window;
        this.intensity = new RestartIntensity(maxRestarts, window);
    }

    public RestartCounts counts() {
        return counts;
    }

    public void record(int slot, RestartReason reason) {
        counts.record(slot, reason);
    }

    /**
     * Logs an unplanned exit and counts it against the restart intensity. Returns how long to wait
     * before the next start (0: at once), or {@link #GIVE_UP}.
     *
     * @param worker the worker's label for the log
     * @param launchedNanos when it was launched
     * @param readyNanos when it said ready, 0 if never
     * @param takenDown the client connections it was serving
     */
    public long unplanned(String worker, long launchedNanos, long readyNanos, RestartReason reason, int code, int takenDown, long now) {
        String uptime = Durations.human(now - launchedNanos);
        if (reason == RestartReason.BOOT_FAILURE) {
            LOG.warn("{} exited before it was ready ({}, after {})", worker, ExitStatus.describe(code), uptime);
        } else if (reason == RestartReason.HANG) {
            LOG.warn("{} is gone ({}); replacing it; it took down {} client connection(s)", worker, ExitStatus.describe(code), takenDown);
        } else {
            String what = code == ExitCodes.BOOT_FAILURE
                    ? "ran out of memory (OutOfMemoryError, exit code 3)"
                    : "exited unexpectedly (" + ExitStatus.describe(code) + ")";
            LOG.warn("{} {} after {} uptime; it took down {} client connection(s)", worker, what, uptime, takenDown);
        }
        if (intensity.recordAndCheckExceeded(now)) {
            LOG.error("more than {} worker restarts within {}: giving up (exit 70) so that the service manager can act",
                    maxRestarts, Durations.format(window));
            return GIVE_UP;
        }
        long uptimeNanos = readyNanos != 0 ? now - readyNanos : now - launchedNanos;
        long delay = backoff.onExit(uptimeNanos);
        if (delay > 0) {
            LOG.warn("{} fast exits in a row: next worker start in {} ms", backoff.consecutiveFast(), TimeUnit.NANOSECONDS.toMillis(delay));
        }
        return delay;
    }
}
