package dev.forkd.supervisor.dispatch;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the data path, read by the status and metrics endpoints. */
public final class DispatchStats {
    public final LongAdder accepted = new LongAdder();
    public final LongAdder queued = new LongAdder();
    public final LongAdder queueTimedOut = new LongAdder();
    public final LongAdder rejected = new LongAdder();
    public final LongAdder redispatched = new LongAdder();
    /** Closed before a worker: nothing received within --first-data-timeout. */
    public final LongAdder firstDataTimedOut = new LongAdder();
    /** Closed before a worker: --accept-proxy, and no valid PROXY header in time. */
    public final LongAdder badProxyHeader = new LongAdder();
    public final LongAdder bytesIn = new LongAdder();
    public final LongAdder bytesOut = new LongAdder();
    public final Timing queueWait = new Timing();

    /** Count and total of observed durations, passed on to a histogram when metrics are on. */
    public static final class Timing {
        final LongAdder count = new LongAdder();
        final LongAdder totalNanos = new LongAdder();
        public volatile java.util.function.LongConsumer sink = n -> { };

        void observe(long nanos) {
            count.increment();
            totalNanos.add(nanos);
            sink.accept(nanos);
        }
    }
}
