package dev.forkd.supervisor.restart;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The one record of worker restarts, by {@link RestartReason}, in all, per pool slot and per minute
 * of the last hour ({@link RestartHistory}). The pool writes it (on its thread); /status, the
 * status table, the status page and /metrics read it.
 */
public final class RestartCounts {
    private static final int REASONS = RestartReason.values().length;
    private final AtomicLongArray total = new AtomicLongArray(REASONS);
    private final Map<Integer, AtomicLongArray> bySlot = new ConcurrentHashMap<>();
    private final RestartHistory history = new RestartHistory();

    void record(int slot, RestartReason reason) {
        total.incrementAndGet(reason.ordinal());
        bySlot.computeIfAbsent(slot, s -> new AtomicLongArray(REASONS)).incrementAndGet(reason.ordinal());
        history.record(reason);
    }

    /** Restarts and crashes per minute over the last hour. */
    public RestartHistory history() {
        return history;
    }

    public long of(RestartReason reason) {
        return total.get(reason.ordinal());
    }

    public long total() {
        long n = 0;
        for (RestartReason r : RestartReason.values()) {
            n += of(r);
        }
        return n;
    }

    /** Restarts of the workers that held pool slot {@code slot}, for this reason. */
    public long of(int slot, RestartReason reason) {
        AtomicLongArray a = bySlot.get(slot);
        return a == null ? 0 : a.get(reason.ordinal());
    }

    public long total(int slot) {
        long n = 0;
        for (RestartReason r : RestartReason.values()) {
            n += of(slot, r);
        }
        return n;
    }
}
