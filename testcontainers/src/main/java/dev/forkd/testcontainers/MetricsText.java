package dev.forkd.testcontainers;

import java.util.OptionalDouble;

/** A sample of Prometheus' text format, found by its series as written: name and labels. */
final class MetricsText {
    private MetricsText() {
    }

    /**
     * The value of {@code series} ({@code forkd_connections_active}, or with labels exactly as forkd
     * writes them: {@code forkd_worker_restarts_total{reason="crash"}}); empty if there is no such line.
     */
    static OptionalDouble sample(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(series)) {
                continue;
            }
            String rest = line.substring(series.length());
            // the series must end here: forkd_connections_active is not forkd_connections_active_max
            if (!rest.startsWith(" ")) {
                continue;
            }
            String[] fields = rest.trim().split("\\s+");
            try {
                return OptionalDouble.of(Double.parseDouble(fields[0]));
            } catch (NumberFormatException e) {
                // Prometheus writes +Inf, -Inf and NaN so; Java spells infinity out
                return OptionalDouble.of(switch (fields[0]) {
                    case "+Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    default -> Double.NaN;
                });
            }
        }
        return OptionalDouble.empty();
    }
}
