package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The one way the ITs wait for state they cannot be told about (another process, an HTTP
 * endpoint, systemd, a port): look, and look again every {@link #INTERVAL} until the condition
 * holds or the deadline passes. A condition is always checked once more at the deadline, so a
 * short timeout never fails a condition that already holds. Waits on a monitor inside the test
 * (LogLines, CommandProcess, Load) are not polls and stay where they are.
 */
final class Await {
    /** Short next to every timeout the ITs use (seconds), long enough not to load what is polled. */
    static final Duration INTERVAL = Duration.ofMillis(100);

    private Await() {
    }

    /** A look at outside state; may fail as an HTTP request or a command does. */
    @FunctionalInterface
    interface Probe<T> {
        T get() throws IOException, InterruptedException;
    }

    /** An attempt that fails with an IOException until the other side is ready. */
    @FunctionalInterface
    interface Attempt {
        void run() throws IOException, InterruptedException;
    }

    /** Polls {@code condition} until it holds; fails with "not within T: what" at the deadline. */
    static void until(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        try {
            value(timeout, b -> "not within " + timeout + ": " + what, condition::getAsBoolean, b -> b);
        } catch (IOException e) {
            throw new AssertionError("a BooleanSupplier cannot throw an IOException", e);
        }
    }

    /**
     * Polls {@code probe} until its value satisfies {@code condition} and returns that value; at
     * the deadline fails with {@code failure} applied to the last value seen.
     */
    static <T> T value(Duration timeout, Function<T, String> failure, Probe<T> probe, Predicate<T> condition)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = probe.get();
            if (condition.test(v)) {
                return v;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail(failure.apply(v));
            }
            pause(left);
        }
    }

    /**
     * Polls {@code probe} until its value satisfies {@code condition} or the deadline passes, and
     * returns the last value either way: for a test that asserts on that value itself.
     */
    static <T> T last(Duration timeout, Probe<T> probe, Predicate<T> condition) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = probe.get();
            long left = deadline - System.nanoTime();
            if (condition.test(v) || left <= 0) {
                return v;
            }
            pause(left);
        }
    }

    /**
     * Repeats {@code attempt} while it throws an IOException (a port not bound yet, a worker
     * being replaced); fails with the count and the last error at the deadline. An assertion
     * inside the attempt fails at once: a wrong answer is not retried.
     */
    static void attempt(Duration timeout, String what, Attempt attempt) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int attempts = 1;; attempts++) {
            try {
                attempt.run();
                return;
            } catch (IOException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail("no " + what + " within " + timeout + " (" + attempts + " attempts; the last: " + e + ")", e);
                }
                pause(left);
            }
        }
    }

    /** The poll interval, never past the deadline: polling is all there is to wait on from outside. */
    private static void pause(long leftNanos) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(Math.min(leftNanos, INTERVAL.toNanos()));
    }
}
