package dev.forkd.tools.bench;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What the connections of one {@code forkd bench} run measured: latencies in one HdrHistogram
 * {@link Recorder} (wait-free to record from every connection thread, and one histogram instead
 * of a thousand) and error counts by kind. The first error of each kind is logged as a warning
 * so that the user sees why; the rest only at debug level, since a dead server would flood the log.
 */
final class BenchStats {
    private static final Logger LOG = LogManager.getLogger(BenchStats.class);
    /** Three significant digits: 1 µs resolution at 1 ms, 1 ms at 1 s. Auto-resizing, so no upper bound to guess. */
    private final Recorder latencies = new Recorder(3);
    private final Map<BenchError, LongAdder> errors = new EnumMap<>(BenchError.class);
    private final Map<BenchError, AtomicBoolean> logged = new EnumMap<>(BenchError.class);
    private final AtomicBoolean unansweredLogged = new AtomicBoolean();
    private volatile String firstConnectError;
    /** Before the clock starts, BenchRun sums up the failed connects itself, in one line. */
    private volatile boolean started;

    BenchStats() {
        for (BenchError e : BenchError.values()) {
            errors.put(e, new LongAdder());
            logged.put(e, new AtomicBoolean());
        }
    }

    void latency(long nanos) {
        latencies.recordValue(Math.max(1, nanos));
    }

    void error(BenchError kind, int connection, String detail) {
        errors.get(kind).increment();
        if (kind == BenchError.CONNECT && firstConnectError == null) {
            firstConnectError = detail;
        }
        if (kind == BenchError.CONNECT && !started) {
            LOG.debug("connection {}: {} ({})", connection, detail, kind.label);
        } else if (logged.get(kind).compareAndSet(false, true)) {
            LOG.warn("connection {}: {} ({}; further ones are counted, and logged at debug level)", connection, detail, kind.label);
        } else {
            LOG.debug("connection {}: {} ({})", connection, detail, kind.label);
        }
    }

    /** A connection got no first reply within --timeout: not an error (see BenchCapacity); the first is logged as a warning. */
    void unanswered(int connection, long timeoutMillis) {
        if (unansweredLogged.compareAndSet(false, true)) {
            LOG.warn("connection {}: no first reply within {} ms: the server has not taken this connection (it may be queued"
                    + " behind busy workers); made again (further ones are counted, and logged at debug level)", connection, timeoutMillis);
        } else {
            LOG.debug("connection {}: no first reply within {} ms", connection, timeoutMillis);
        }
    }

    /** The clock has started: from now on the first error of each kind is logged as a warning. */
    void started() {
        started = true;
    }

    /** Every latency recorded so far; call once, at the end. */
    Histogram histogram() {
        return latencies.getIntervalHistogram();
    }

    Map<BenchError, Long> errorCounts() {
        Map<BenchError, Long> m = new EnumMap<>(BenchError.class);
        errors.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    String firstConnectError() {
        return firstConnectError;
    }
}
