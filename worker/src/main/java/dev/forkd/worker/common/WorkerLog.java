package dev.forkd.worker.common;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The worker's own log: one {@code LEVEL message} line on stderr per event, which the supervisor
 * reads, tags with the worker's id and pid, and logs with its own configuration (WorkerLogStream).
 * Messages use log4j's {@code {}} placeholders, and a Throwable left over after them is written
 * as its stack trace, as log4j does.
 *
 * <p>Not log4j itself: initialising the log4j API (provider discovery, property sources, method
 * handles) took about half of a worker's boot, and every spawn pays for its boot. The level is
 * the one the supervisor passes for log4j's simple logger, which user handlers that log through
 * log4j still get.
 */
public final class WorkerLog {
    enum Level { ERROR, WARN, INFO, DEBUG, TRACE }

    static final String LEVEL_PROPERTY = "org.apache.logging.log4j.simplelog.level";
    private static final Level THRESHOLD = parse(System.getProperty(LEVEL_PROPERTY, "INFO"));
    private static final PrintStream OUT = System.err;

    private WorkerLog() {
    }

    static Level parse(String name) {
        try {
            return Level.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return "ALL".equalsIgnoreCase(name.trim()) ? Level.TRACE : "OFF".equalsIgnoreCase(name.trim()) ? null : Level.INFO;
        }
    }

    static boolean enabled(Level level) {
        return THRESHOLD != null && level.ordinal() <= THRESHOLD.ordinal();
    }

    public static void error(String format, Object... args) {
        log(Level.ERROR, format, args);
    }

    public static void warn(String format, Object... args) {
        log(Level.WARN, format, args);
    }

    public static void info(String format, Object... args) {
        log(Level.INFO, format, args);
    }

    public static void debug(String format, Object... args) {
        log(Level.DEBUG, format, args);
    }

    static void log(Level level, String format, Object... args) {
        if (!enabled(level)) {
            return;
        }
        String line = format(level, format, args);
        synchronized (OUT) {
            OUT.print(line);
            OUT.flush();
        }
    }

    /** The line (or lines, with a stack trace) as written, ending in a newline. */
    static String format(Level level, String format, Object... args) {
        StringBuilder sb = new StringBuilder(format.length() + 32).append(level.name()).append(' ');
        int used = 0;
        int from = 0;
        int at;
        while ((at = format.indexOf("{}", from)) >= 0 && used < args.length) {
            sb.append(format, from, at).append(args[used++]);
            from = at + 2;
        }
        sb.append(format, from, format.length()).append('\n');
        if (used < args.length && args[args.length - 1] instanceof Throwable) {
            appendTrace(sb, (Throwable) args[args.length - 1], "");
        }
        return sb.toString();
    }

    private static void appendTrace(StringBuilder sb, Throwable t, String prefix) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (t != null && seen.add(t)) {
            sb.append(prefix).append(t).append('\n');
            for (StackTraceElement e : t.getStackTrace()) {
                sb.append("\tat ").append(e).append('\n');
            }
            t = t.getCause();
            prefix = "Caused by: ";
        }
    }

    public static void flush() {
        OUT.flush();
    }
}
