package dev.forkd.supervisor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/** The few statistics the crash experiment reports: mean, max and nearest-rank percentiles. */
final class ExperimentStats {
    private ExperimentStats() {
    }

    /** Nearest-rank percentile (the smallest value with at least q% of the values at or below it); NaN if empty. */
    static double percentile(Collection<? extends Number> values, double q) {
        if (q <= 0 || q > 100) {
            throw new IllegalArgumentException("percentile must be in (0, 100], not " + q);
        }
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values.size());
        values.forEach(v -> sorted.add(v.doubleValue()));
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    static double mean(Collection<? extends Number> values) {
        return values.stream().mapToDouble(Number::doubleValue).average().orElse(Double.NaN);
    }

    static double max(Collection<? extends Number> values) {
        return values.stream().mapToDouble(Number::doubleValue).max().orElse(Double.NaN);
    }
}
