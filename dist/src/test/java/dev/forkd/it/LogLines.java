package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process's output lines as they arrive (forkd's pipe, a container's log), for tests to wait on
 * with deadlines, never for fixed times.
 */
final class LogLines {
    /** How often a wait also asks whether the source has ended. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final List<String> lines = new ArrayList<>();
    /** What failure messages call the text, e.g. "output". */
    private final String name;
    /** Null while more lines may come; else why none will (a wait then fails at once). */
    private final Supplier<String> ended;

    LogLines(String name, Supplier<String> ended) {
        this.name = name;
        this.ended = ended;
    }

    void add(String line) {
        synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
        }
    }

    /** The first line matching {@code regex}, waiting up to {@code timeout} for it. */
    Matcher awaitLine(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = p.matcher(lines.get(seen));
                    if (m.find()) {
                        return m;
                    }
                }
                awaitMore(deadline, () -> "no line matching /" + regex + "/ within " + timeout);
            }
        }
    }

    /**
     * Waits until at least {@code n} lines match: a line written before a client saw its reply
     * may not have been read from the pipe yet when the test looks.
     */
    long awaitCount(String regex, long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                long count = countLines(regex);
                if (count >= n) {
                    return count;
                }
                awaitMore(deadline, () -> count + " of " + n + " lines matching /" + regex + "/ within " + timeout);
            }
        }
    }

    /** Holding the lock: fails at the deadline or once the source has ended, else waits for a line. */
    private void awaitMore(long deadline, Supplier<String> missing) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            fail(missing.get() + "; " + name + ":\n" + text());
        }
        String why = ended.get();
        if (why != null) {
            fail(why + " (" + missing.get() + "); " + name + ":\n" + text());
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, POLL_NANOS));
    }

    long countLines(String regex) {
        Pattern p = Pattern.compile(regex);
        synchronized (lines) {
            return lines.stream().filter(l -> p.matcher(l).find()).count();
        }
    }

    List<String> snapshot() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    String text() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }
}
