package dev.forkd.supervisor.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {
    private static final long MS = 1_000_000L;
    private static final long FAST = 10 * MS;
    private static final long SLOW = Duration.ofSeconds(5).toNanos();

    private static RestartPolicy policy(double random) {
        return new RestartPolicy(Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofSeconds(5), () -> random);
    }

    @Test
    void firstFastExitIsReplacedAtOnce() {
        assertEquals(0, policy(0.999).onExit(FAST));
    }

    @Test
    void repeatedFastExitsDoubleTheDelayUpToTheCap() {
        RestartPolicy low = policy(0.0);
        RestartPolicy high = policy(0.999);
        low.onExit(FAST);
        high.onExit(FAST);
        long[] full = {100, 200, 400, 800, 1000, 1000, 1000};
        for (long d : full) {
            long delay = d * MS;
            assertEquals(delay / 2, low.onExit(FAST), "equal jitter: half is fixed");
            long h = high.onExit(FAST);
            assertTrue(h >= delay / 2 && h <= delay, h + " within [" + delay / 2 + ", " + delay + "]");
            assertTrue(h > delay * 9 / 10, "the random half is used");
        }
        assertEquals(8, low.consecutiveFast());
    }

    @Test
    void cappedEvenAfterManyFastExits() {
        RestartPolicy p = policy(0.999);
        long cap = 1000 * MS;
        for (int i = 0; i < 100; i++) {
            assertTrue(p.onExit(FAST) <= cap);
        }
        assertTrue(p.onExit(FAST) >= cap / 2);
    }

    @Test
    void aSlowExitResets() {
        RestartPolicy p = policy(0.0);
        p.onExit(FAST);
        p.onExit(FAST);
        assertEquals(100 * MS, p.onExit(FAST));

        assertEquals(0, p.onExit(SLOW), "ran long enough: not a crash loop");
        assertEquals(0, p.consecutiveFast());
        assertEquals(0, p.onExit(FAST), "the next fast exit counts as the first again");
        assertEquals(50 * MS, p.onExit(FAST));
    }
}
