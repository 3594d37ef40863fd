package dev.forkd.shared;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the human durations used on the command line: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}. */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?");

    private Durations() {
    }

    /**
     * @throws IllegalArgumentException with a message fit for a user when the text is not a duration.
     *     A number needs its unit ({@code 5} could be seconds or milliseconds, and was silently seconds
     *     once); only {@code 0}, the same in every unit, may go without one.
     */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a duration is required (e.g. 500ms, 10s, 2m)");
        }
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 500ms, 10s, 2m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        if (m.group(2) == null && n != 0) {
            throw new IllegalArgumentException("'" + text.trim() + "' has no unit: write " + n + "s for seconds (or "
                    + n + "ms, " + n + "m, " + n + "h, " + n + "d)");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d;
        switch (unit) {
            case "ms":
                d = Duration.ofMillis(n);
                break;
            case "s":
                d = Duration.ofSeconds(n);
                break;
            case "m":
                d = Duration.ofMinutes(n);
                break;
            case "h":
                d = Duration.ofHours(n);
                break;
            default:
                d = Duration.ofDays(n);
        }
        try {
            // deadlines are computed on System.nanoTime(): a longer duration would throw there instead
            d.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large (at most 106751d)", e);
        }
        return d;
    }

    /** The shortest exact form that {@link #parse} reads back. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** 850ms, 2.1s, 3m12s: a length of time for people (how long a worker lived, say). */
    public static String human(long nanos) {
        long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(nanos);
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        return s / 3600 > 0 ? (s / 3600) + "h" + (s % 3600 / 60) + "m" : (s / 60) + "m" + (s % 60) + "s";
    }
}
