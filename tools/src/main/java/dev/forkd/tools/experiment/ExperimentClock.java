package dev.forkd.tools.experiment;

import java.util.concurrent.TimeUnit;

/** Milliseconds since the load of one model started, on the monotonic clock. */
final class ExperimentClock {
    private final long t0 = System.nanoTime();

    long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** Sleeps until {@code ms} from the start (at once if already past). */
    void sleepUntil(long ms) throws InterruptedException {
        long left = t0 + TimeUnit.MILLISECONDS.toNanos(ms) - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
