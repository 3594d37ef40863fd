package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ExitCodes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FatalErrorsTest {
    private final List<String> stops = new ArrayList<>();
    private final List<Integer> halts = new ArrayList<>();
    private final CountDownLatch decided = new CountDownLatch(1);
    private final FatalErrors policy = new FatalErrors((code, reason) -> {
        synchronized (stops) {
            stops.add(code + " " + reason);
        }
        decided.countDown();
    }, code -> {
        synchronized (halts) {
            halts.add(code);
        }
        decided.countDown();
    });
    private final Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();

    @AfterEach
    void restore() {
        Thread.setDefaultUncaughtExceptionHandler(before);
    }

    @Test
    void anErrorHaltsAtOnce() {
        policy.uncaughtException(new Thread("relay-0"), new OutOfMemoryError("Java heap space"));
        policy.uncaughtException(new Thread("pool"), new NoClassDefFoundError("x"));
        assertEquals(List.of(ExitCodes.INTERNAL, ExitCodes.INTERNAL), halts);
        assertTrue(stops.isEmpty(), "no orderly stop: it may need the memory that is gone");
    }

    @Test
    void anythingElseStopsInOrderWithExit70() {
        policy.uncaughtException(new Thread("accept"), new IllegalStateException("boom"));
        assertEquals(List.of(ExitCodes.INTERNAL + " thread accept died: java.lang.IllegalStateException: boom"), stops);
        assertTrue(halts.isEmpty());
    }

    @Test
    void aThreadThatDiesReachesThePolicy() throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(policy);
        Thread t = new Thread(() -> {
            throw new IllegalArgumentException("bad");
        }, "control-read");
        t.start();
        t.join();
        assertTrue(decided.await(5, TimeUnit.SECONDS));
        assertEquals(1, stops.size());
        assertTrue(stops.get(0).contains("thread control-read died"), stops.toString());
    }

    @Test
    void anErrorInAnExecutorTaskIsNotKeptInItsFuture() throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(policy);
        ScheduledThreadPoolExecutor exec = FatalErrors.scheduler("pool");
        try {
            exec.execute(() -> {
                throw new OutOfMemoryError("in a task");
            });
            assertTrue(decided.await(5, TimeUnit.SECONDS), "the policy was told");
            assertEquals(List.of(ExitCodes.INTERNAL), halts);
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void aPeriodicTaskThatThrowsStopsForkdInsteadOfFallingSilent() throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(policy);
        ScheduledThreadPoolExecutor exec = FatalErrors.scheduler("pool");
        try {
            exec.scheduleWithFixedDelay(() -> {
                throw new IllegalStateException("heartbeat broke");
            }, 0, 10, TimeUnit.MILLISECONDS);
            assertTrue(decided.await(5, TimeUnit.SECONDS), "the policy was told");
            assertTrue(stops.get(0).contains("heartbeat broke"), stops.toString());
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void aOneOffTasksRuntimeExceptionIsLoggedAndTheThreadGoesOn() throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(policy);
        ScheduledThreadPoolExecutor exec = FatalErrors.scheduler("dispatch-timer");
        try {
            exec.schedule(() -> {
                throw new IllegalStateException("one event");
            }, 0, TimeUnit.MILLISECONDS);
            CountDownLatch next = new CountDownLatch(1);
            exec.schedule(next::countDown, 1, TimeUnit.MILLISECONDS);
            assertTrue(next.await(5, TimeUnit.SECONDS), "the next task still runs");
            assertTrue(stops.isEmpty() && halts.isEmpty(), "per-event resilience kept");
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void aCancelledTaskIsNoFailure() {
        java.util.concurrent.FutureTask<Void> f = new java.util.concurrent.FutureTask<>(() -> null);
        f.cancel(false);
        assertNull(FatalErrors.failureOf(f));
    }
}
