package dev.forkd.tools.experiment.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * The one summary of a sample that the report's tables, JSON and plots all show, so that they
 * cannot disagree: n, min, quartiles, max and mean, and a p99 only when n supports it. Quantiles
 * interpolate linearly between the closest ranks (numpy's default, R's type 7).
 */
public record Distribution(int n, double min, double q1, double median, double q3, double p99, double max, double mean) {
    /** Below this many values a p99 is one of the few largest values under another name: min/median/max are shown instead. */
    static final int MIN_FOR_PERCENTILES = 20;

    public static Distribution of(Collection<? extends Number> values) {
        List<Double> v = new ArrayList<>(values.size());
        values.forEach(x -> v.add(x.doubleValue()));
        Collections.sort(v);
        int n = v.size();
        if (n == 0) {
            return new Distribution(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return new Distribution(n, v.get(0), quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75),
                n >= MIN_FOR_PERCENTILES ? quantile(v, 0.99) : Double.NaN, v.get(n - 1), mean);
    }

    /** The q-quantile (0 ≤ q ≤ 1) of sorted values, interpolated between the closest ranks. */
    static double quantile(List<Double> sorted, double q) {
        if (q < 0 || q > 1) {
            throw new IllegalArgumentException("a quantile is in [0, 1], not " + q);
        }
        double h = (sorted.size() - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(sorted.size() - 1, lo + 1);
        return sorted.get(lo) + (h - lo) * (sorted.get(hi) - sorted.get(lo));
    }

    boolean percentilesShown() {
        return n >= MIN_FOR_PERCENTILES;
    }

    /**
     * For a table cell: "n=0" when empty; "min / median / max (n=4)" below {@value #MIN_FOR_PERCENTILES}
     * values; "p50 / p99 / max (n=25)" from there.
     */
    public String describe(DoubleFunction<String> unit) {
        if (n == 0) {
            return "- (n=0)";
        }
        if (!percentilesShown()) {
            return String.format(Locale.ROOT, "min %s / median %s / max %s (n=%d)", unit.apply(min), unit.apply(median), unit.apply(max), n);
        }
        return String.format(Locale.ROOT, "p50 %s / p99 %s / max %s (n=%d)", unit.apply(median), unit.apply(p99), unit.apply(max), n);
    }
}
