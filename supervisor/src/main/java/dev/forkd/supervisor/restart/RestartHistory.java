package dev.forkd.supervisor.restart;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Restarts and crashes per minute over the last hour, for the status page's chart: a ring of 60
 * buckets, each tagged with the minute it counts, so that memory stays fixed however long forkd
 * runs and a quiet hour needs no clearing. Minutes are counted on the monotonic clock from the
 * moment this was made (a wall-clock step would move or merge buckets). Written on the pool
 * thread, read by the admin threads: the few operations are synchronized.
 */
public final class RestartHistory {
    public static final int BUCKETS = 60;
    public static final long BUCKET_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final LongSupplier clock;
    private final long origin;
    /** The minute (since origin) each bucket counts; -1: none yet. */
    private final long[] minuteOf = new long[BUCKETS];
    private final long[] restarts = new long[BUCKETS];
    private final long[] crashes = new long[BUCKETS];

    /** One counts, oldest minute first; the last is the minute in progress. */
    public record Window(long[] restarts, long[] crashes) {
    }

    RestartHistory() {
        this(System::nanoTime);
    }

    RestartHistory(LongSupplier nanoClock) {
        this.clock = nanoClock;
        this.origin = nanoClock.getAsLong();
        java.util.Arrays.fill(minuteOf, -1);
    }

    synchronized void record(RestartReason reason) {
        long minute = minuteNow();
        int i = (int) (minute % BUCKETS);
        if (minuteOf[i] != minute) {
            minuteOf[i] = minute;
            restarts[i] = 0;
            crashes[i] = 0;
        }
        restarts[i]++;
        if (reason == RestartReason.CRASH) {
            crashes[i]++;
        }
    }

    /** The last {@link #BUCKETS} minutes, the current one last; minutes before this was made count 0. */
    public synchronized Window lastHour() {
        long now = minuteNow();
        long[] r = new long[BUCKETS];
        long[] c = new long[BUCKETS];
        for (int k = 0; k < BUCKETS; k++) {
            long minute = now - (BUCKETS - 1) + k;
            if (minute < 0) {
                continue;
            }
            int i = (int) (minute % BUCKETS);
            if (minuteOf[i] == minute) {
                r[k] = restarts[i];
                c[k] = crashes[i];
            }
        }
        return new Window(r, c);
    }

    private long minuteNow() {
        // nanoTime may be negative; the difference from origin is what counts, and it only grows
        return Math.max(0, clock.getAsLong() - origin) / BUCKET_NANOS;
    }
}
