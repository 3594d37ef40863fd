package dev.forkd.kubernetes;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The maximum heap JVM options give: the last -Xmx or -XX:MaxHeapSize wins, as in the JVM. */
final class JvmHeap {
    private static final Pattern XMX = Pattern.compile("-(?:Xmx|XX:MaxHeapSize=)(\\d+)([kKmMgG]?)(?![\\w.])");

    private JvmHeap() {
    }

    /** The heap in bytes the last -Xmx in {@code text} gives, or -1 if there is none. */
    static long lastXmx(String text) {
        long heap = -1;
        Matcher m = XMX.matcher(text);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                default -> 0;
            };
            heap = n << shift;
        }
        return heap;
    }

    static long lastXmx(List<String> options) {
        return lastXmx(String.join(" ", options));
    }
}
