package dev.forkd.supervisor.common;

import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;

/** One log line per interval for a condition that can repeat thousands of times a second; the rest are counted. */
public final class RateLimitedLog {
    private final Logger log;
    private final Level level;
    private final long intervalNanos;
    private long lastNanos;
    private long suppressed;

    public RateLimitedLog(Logger log, Level level, long interval, TimeUnit unit) {
        this.log = log;
        this.level = level;
        this.intervalNanos = unit.toNanos(interval);
        this.lastNanos = System.nanoTime() - intervalNanos - 1;
    }

    public synchronized void log(String message, Object... args) {
        long now = System.nanoTime();
        if (now - lastNanos <= intervalNanos) {
            suppressed++;
            return;
        }
        String tail = suppressed > 0 ? " (" + suppressed + " more like this since the last such line)" : "";
        log.log(level, message + tail, args);
        lastNanos = now;
        suppressed = 0;
    }
}
