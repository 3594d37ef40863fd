package dev.forkd.supervisor.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MinRateTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private final MinRate rate = new MinRate(100);

    @Test
    void aWindowIsTenSecondsAndMustMoveRateTimesTen() {
        assertEquals(1000, rate.bytesPerWindow());
        long t0 = 1_000 * S;
        assertEquals(MinRate.Verdict.WINDOW_OPEN, rate.check(t0, 0, t0 + 9 * S, 0), "judged only once the window is over");
        assertEquals(MinRate.Verdict.TOO_SLOW, rate.check(t0, 0, t0 + 10 * S, 999));
        assertEquals(MinRate.Verdict.FAST_ENOUGH, rate.check(t0, 0, t0 + 10 * S, 1000));
        // bytes counted from the window's start, not from the connection's
        assertEquals(MinRate.Verdict.TOO_SLOW, rate.check(t0, 5000, t0 + 11 * S, 5500));
    }

    @Test
    void worksAcrossTheNanoTimeWrap() {
        long t0 = Long.MAX_VALUE - 3 * S;
        assertEquals(MinRate.Verdict.WINDOW_OPEN, rate.check(t0, 0, t0 + 5 * S, 0));
        assertEquals(MinRate.Verdict.TOO_SLOW, rate.check(t0, 0, t0 + 10 * S, 0));
    }

    @Test
    void offNeverCloses() {
        assertFalse(MinRate.OFF.enabled());
        assertEquals(MinRate.Verdict.WINDOW_OPEN, MinRate.OFF.check(0, 0, 3600 * S, 0));
    }

    @Test
    void theSweepRunsForMinRateEvenWithoutAnIdleTimeout() {
        assertEquals(0, Relay.sweepMillis(0, false));
        assertEquals(1000, Relay.sweepMillis(0, true));
        assertEquals(1000, Relay.sweepMillis(TimeUnit.MINUTES.toNanos(5), false));
        assertEquals(250, Relay.sweepMillis(TimeUnit.SECONDS.toNanos(1), true));
        assertTrue(Relay.sweepMillis(TimeUnit.MILLISECONDS.toNanos(1), false) >= 10);
    }
}
