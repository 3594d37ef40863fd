package dev.forkd.tools.client;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What a command printed, for in-process tests: written by the command's threads, awaited by the test with a deadline. */
final class Transcript extends Writer {
    private final StringBuilder text = new StringBuilder();

    PrintWriter printWriter() {
        return new PrintWriter(this, true);
    }

    @Override
    public synchronized void write(char[] cbuf, int off, int len) {
        text.append(cbuf, off, len);
        notifyAll();
    }

    @Override
    public void flush() {
        // every write is visible at once
    }

    @Override
    public void close() {
        // nothing to release
    }

    synchronized String text() {
        return text.toString();
    }

    synchronized void await(Predicate<String> condition, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(text.toString())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("never printed " + what + " within " + timeout + "; printed:\n" + text);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
