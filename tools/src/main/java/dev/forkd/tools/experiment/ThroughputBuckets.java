package dev.forkd.tools.experiment;

import java.util.concurrent.atomic.AtomicLongArray;

/** Completed requests per fixed time bucket, counted from many load threads without a lock. */
public final class ThroughputBuckets {
    static final long DEFAULT_BUCKET_MS = 250;

    private final long bucketMs;
    private final long spanMs;
    private final AtomicLongArray counts;

    /** Buckets over [0, spanMs); a request done later (the last connections finishing) is not counted. */
    public ThroughputBuckets(long bucketMs, long spanMs) {
        if (bucketMs <= 0 || spanMs <= 0) {
            throw new IllegalArgumentException("bucket width and span must be more than 0");
        }
        this.bucketMs = bucketMs;
        this.spanMs = spanMs;
        this.counts = new AtomicLongArray((int) ((spanMs + bucketMs - 1) / bucketMs));
    }

    public void record(long atMs) {
        if (atMs >= 0 && atMs < spanMs) {
            counts.incrementAndGet((int) (atMs / bucketMs));
        }
    }

    public long bucketMs() {
        return bucketMs;
    }

    public long[] counts() {
        long[] out = new long[counts.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = counts.get(i);
        }
        return out;
    }
}
