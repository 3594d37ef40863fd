package dev.forkd.shared;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses byte sizes given on the command line: {@code 512}, {@code 64KiB}, {@code 1MiB}, {@code 2GiB} (also k/K/KB as 1024). */
public final class Sizes {
    private static final Pattern FORM = Pattern.compile("(\\d{1,12})\\s*(?:([kmg])i?b?|b?)", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /** @throws IllegalArgumentException with a message fit for a user when the text is not a size. */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a size is required (e.g. 512, 64KiB, 1MiB)");
        }
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (use e.g. 512, 64KiB, 1MiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = unit.isEmpty() ? 0 : unit.equals("k") ? 10 : unit.equals("m") ? 20 : 30;
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return n << shift;
    }

    /** Parses a size that must fit an int buffer or frame length. */
    public static int parseInt(String text) {
        long v = parse(text);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is too large (at most 2GiB - 1)");
        }
        return (int) v;
    }

    /** For people, not for parsing back: "812 B", "40.0 KiB", "119.3 MiB", "2.0 GiB". */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes / 1024.0;
        int u = 0;
        // 1023.96 KiB would print as "1024.0 KiB": move up a unit once it rounds to 1024
        while (v >= 1023.95 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    public static String format(long bytes) {
        if (bytes != 0 && bytes % (1 << 30) == 0) {
            return bytes / (1 << 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1 << 20) == 0) {
            return bytes / (1 << 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1 << 10) == 0) {
            return bytes / (1 << 10) + "KiB";
        }
        return Long.toString(bytes);
    }
}
