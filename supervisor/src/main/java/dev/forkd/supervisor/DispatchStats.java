package dev.forkd.supervisor;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the data path, read by the status and metrics endpoints. */
final class DispatchStats {
    final LongAdder accepted = new LongAdder();
    final LongAdder queued = new LongAdder();
    final LongAdder queueTimedOut = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder redispatched = new LongAdder();
    /** Closed before a worker: nothing received within --first-data-timeout. */
    final LongAdder firstDataTimedOut = new LongAdder();
    /** Closed before a worker: --accept-proxy, and no valid PROXY header in time. */
    final LongAdder badProxyHeader = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final Timing queueWait = new Timing();

    /** Count and total of observed durations, passed on to a histogram when metrics are on. */
    static final class Timing {
        final LongAdder count = new LongAdder();
        final LongAdder totalNanos = new LongAdder();
        volatile java.util.function.LongConsumer sink = n -> { };

        void observe(long nanos) {
            count.increment();
            totalNanos.add(nanos);
            sink.accept(nanos);
        }
    }
}
