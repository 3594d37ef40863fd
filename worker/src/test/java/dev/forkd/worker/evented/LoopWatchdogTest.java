package dev.forkd.worker.evented;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watchdog's decisions, on a clock the test gives it. */
class LoopWatchdogTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void reportsACallOverTheThresholdOnceAndNothingBetweenCalls() {
        LoopWatchdog w = new LoopWatchdog(100 * MS);
        long t0 = System.nanoTime();
        assertNull(w.check(t0 + 500 * MS), "no call: nothing to report");
        w.enter("onMessage (connection 3)");
        assertNull(w.check(t0 + 50 * MS), "under the threshold");
        String r = w.check(t0 + 150 * MS);
        assertNotNull(r);
        assertTrue(r.contains("onMessage (connection 3) has run for"), r);
        assertNull(w.check(t0 + 300 * MS), "the same call is reported once");
        w.exit();
        assertNull(w.check(t0 + 600 * MS));
    }

    @Test
    void reportsAreRateLimitedAndTheSuppressedOnesCounted() {
        LoopWatchdog w = new LoopWatchdog(10 * MS);
        long t = System.nanoTime();
        w.enter("a");
        assertNotNull(w.check(t + 20 * MS));
        w.exit();
        for (int i = 0; i < 3; i++) {
            w.enter("b" + i);
            assertNull(w.check(System.nanoTime() + 20 * MS), "within the interval: counted, not logged");
            w.exit();
        }
        w.enter("c");
        String r = w.check(System.nanoTime() + LoopWatchdog.REPORT_INTERVAL_NANOS + 20 * MS);
        assertNotNull(r);
        assertTrue(r.contains("3 more such call(s)"), r);
    }

    @Test
    void aTimedCallIsBetweenEnterAndExitEvenWhenItThrows() {
        LoopWatchdog w = new LoopWatchdog(10 * MS);
        String[] inside = new String[1];
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> w.time("onMessage", () -> {
            inside[0] = w.check(System.nanoTime() + 20 * MS);
            throw new IllegalStateException("handler bug");
        }));
        assertEquals("handler bug", e.getMessage());
        assertNotNull(inside[0], "timed while it ran");
        assertNull(w.check(System.nanoTime() + 20 * MS), "and not after it threw");
    }

    @Test
    void nestedCallsCountAsTheOutermost() {
        LoopWatchdog w = new LoopWatchdog(10 * MS);
        w.enter("onMessage");
        w.enter("onClose");
        w.exit();
        String r = w.check(System.nanoTime() + 20 * MS);
        assertNotNull(r, "still inside onMessage");
        assertTrue(r.contains("onMessage"), r);
        w.exit();
    }

    @Test
    void thresholdFromTheSystemProperty() {
        String old = System.getProperty(LoopWatchdog.THRESHOLD_PROPERTY);
        try {
            System.clearProperty(LoopWatchdog.THRESHOLD_PROPERTY);
            assertEquals(100 * MS, LoopWatchdog.thresholdFromProperty());
            System.setProperty(LoopWatchdog.THRESHOLD_PROPERTY, "250");
            assertEquals(250 * MS, LoopWatchdog.thresholdFromProperty());
            System.setProperty(LoopWatchdog.THRESHOLD_PROPERTY, "0");
            assertEquals(0, LoopWatchdog.thresholdFromProperty());
            System.setProperty(LoopWatchdog.THRESHOLD_PROPERTY, "soon");
            assertEquals(100 * MS, LoopWatchdog.thresholdFromProperty(), "a bad value keeps the default");
        } finally {
            if (old == null) {
                System.clearProperty(LoopWatchdog.THRESHOLD_PROPERTY);
            } else {
                System.setProperty(LoopWatchdog.THRESHOLD_PROPERTY, old);
            }
        }
    }

    @Test
    void theStackIsTheWatchedThreads() throws Exception {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "watched");
        t.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (t.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            Throwable s = LoopWatchdog.stackOf(t);
            assertTrue(s.getMessage().contains("watched"));
            assertTrue(java.util.Arrays.stream(s.getStackTrace()).anyMatch(e -> e.getMethodName().equals("sleep")));
        } finally {
            t.interrupt();
        }
    }
}
