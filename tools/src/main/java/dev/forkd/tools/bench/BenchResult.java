package dev.forkd.tools.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one {@code forkd bench} run, in nanoseconds; {@link BenchReport} prints it.
 *
 * @param connected connections that were made at least once
 * @param answered connections that got at least one reply (fewer than connected when the server
 *     keeps some waiting, as a prefork forkd does with more clients than workers)
 * @param messages replies recorded in the measurement window
 * @param latency null when no reply was recorded
 * @param capacity how long connections waited for their first reply: whether the server's capacity limited the run
 */
record BenchResult(BenchPlan plan, int connected, int answered, long durationNanos, long messages,
        Map<BenchError, Long> errors, Latency latency, BenchCapacity capacity) {

    /** Latency percentiles, from intended send times in an open loop. */
    record Latency(long p50, long p90, long p99, long p999, long max, double mean) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return null;
            }
            return new Latency(h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue(), h.getMean());
        }
    }

    long totalErrors() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    double durationSeconds() {
        return durationNanos / 1e9;
    }

    double throughput() {
        return durationNanos == 0 ? 0 : messages / durationSeconds();
    }
}
