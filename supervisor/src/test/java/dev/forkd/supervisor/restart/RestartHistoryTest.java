package dev.forkd.supervisor.restart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Restarts per minute over the last hour, on a clock moved by hand. */
class RestartHistoryTest {
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);
    // nanoTime may be negative, and is only ever compared
    private final AtomicLong clock = new AtomicLong(-5 * MINUTE - 123);
    private final RestartHistory history = new RestartHistory(clock::get);

    private long[] expected(int... agoAndCount) {
        long[] a = new long[RestartHistory.BUCKETS];
        for (int i = 0; i < agoAndCount.length; i += 2) {
            a[RestartHistory.BUCKETS - 1 - agoAndCount[i]] = agoAndCount[i + 1];
        }
        return a;
    }

    @Test
    void anEmptyHourIsSixtyZeros() {
        RestartHistory.Window w = history.lastHour();
        assertArrayEquals(new long[60], w.restarts());
        assertArrayEquals(new long[60], w.crashes());
    }

    @Test
    void restartsAreCountedInTheMinuteTheyHappenedAndMoveLeftAsTimePasses() {
        history.record(RestartReason.CRASH);
        history.record(RestartReason.RELOAD);
        clock.addAndGet(MINUTE / 2);
        history.record(RestartReason.CRASH);
        assertArrayEquals(expected(0, 3), history.lastHour().restarts());
        assertArrayEquals(expected(0, 2), history.lastHour().crashes());

        clock.addAndGet(MINUTE);
        history.record(RestartReason.HANG);
        assertArrayEquals(expected(1, 3, 0, 1), history.lastHour().restarts());
        assertArrayEquals(expected(1, 2), history.lastHour().crashes(), "a hang is a restart, not a crash");

        clock.addAndGet(10 * MINUTE);
        assertArrayEquals(expected(11, 3, 10, 1), history.lastHour().restarts());
    }

    @Test
    void anHourLaterTheyAreGoneAndTheirBucketCountsAfresh() {
        for (int i = 0; i < 5; i++) {
            history.record(RestartReason.CRASH);
        }
        clock.addAndGet(59 * MINUTE);
        assertEquals(5, history.lastHour().restarts()[0], "59 minutes ago: still in the hour");
        clock.addAndGet(MINUTE);
        assertArrayEquals(new long[60], history.lastHour().restarts());
        // the same ring bucket, 60 minutes on: the old counts do not come back
        history.record(RestartReason.SCALE);
        assertArrayEquals(expected(0, 1), history.lastHour().restarts());
        assertArrayEquals(new long[60], history.lastHour().crashes());
    }

    @Test
    void aLongQuietSpellLeavesNothingBehind() {
        history.record(RestartReason.CRASH);
        clock.addAndGet(1000 * MINUTE + 7);
        assertArrayEquals(new long[60], history.lastHour().restarts());
        history.record(RestartReason.CRASH);
        assertArrayEquals(expected(0, 1), history.lastHour().crashes());
    }

    @Test
    void theCountsRecordItToo() {
        RestartCounts counts = new RestartCounts();
        counts.record(1, RestartReason.CRASH);
        counts.record(2, RestartReason.RECYCLE);
        assertEquals(2, counts.history().lastHour().restarts()[59]);
        assertEquals(1, counts.history().lastHour().crashes()[59]);
    }
}
