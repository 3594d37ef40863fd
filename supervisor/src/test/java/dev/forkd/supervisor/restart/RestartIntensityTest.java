package dev.forkd.supervisor.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartIntensityTest {
    private static final long S = 1_000_000_000L;

    @Test
    void exceededOnlyPastMaxWithinTheWindow() {
        RestartIntensity r = new RestartIntensity(3, Duration.ofSeconds(10));
        assertFalse(r.recordAndCheckExceeded(0));
        assertFalse(r.recordAndCheckExceeded(1 * S));
        assertFalse(r.recordAndCheckExceeded(2 * S));
        assertTrue(r.recordAndCheckExceeded(3 * S));
        assertEquals(4, r.inWindow());
    }

    @Test
    void oldRestartsAgeOut() {
        RestartIntensity r = new RestartIntensity(2, Duration.ofSeconds(10));
        r.recordAndCheckExceeded(0);
        r.recordAndCheckExceeded(1 * S);
        assertFalse(r.recordAndCheckExceeded(10 * S + 1), "the one at 0 is older than the window");
        assertEquals(2, r.inWindow());
        assertFalse(r.recordAndCheckExceeded(30 * S));
        assertEquals(1, r.inWindow());
    }

    @Test
    void oneExactlyAWindowOldStillCounts() {
        RestartIntensity r = new RestartIntensity(1, Duration.ofSeconds(10));
        r.recordAndCheckExceeded(0);
        assertTrue(r.recordAndCheckExceeded(10 * S));
    }

    @Test
    void zeroMaxGivesUpOnTheFirstRestart() {
        assertTrue(new RestartIntensity(0, Duration.ofSeconds(10)).recordAndCheckExceeded(5 * S));
    }

    @Test
    void nanoTimeWrapAroundIsHarmless() {
        RestartIntensity r = new RestartIntensity(1, Duration.ofSeconds(10));
        long t = Long.MAX_VALUE - S;
        r.recordAndCheckExceeded(t);
        assertTrue(r.recordAndCheckExceeded(t + 2 * S), "2s apart across the wrap");
        assertFalse(r.recordAndCheckExceeded(t + 60 * S));
    }
}
