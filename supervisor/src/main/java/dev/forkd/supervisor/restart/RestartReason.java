package dev.forkd.supervisor.restart;

import java.util.Locale;
import java.util.StringJoiner;
import java.util.function.ToLongFunction;

/**
 * Why a worker ended while forkd kept running: the one definition of a "restart" behind
 * {@code forkd status}, each worker row, /status and /metrics. Every worker that ends while the
 * pool runs is counted once, under exactly one reason (the supervisor's own shutdown is not
 * counted). Only the unplanned ones (crash, hang, boot_failure) count against --max-restarts.
 */
public enum RestartReason {
    /** Exited on its own while serving (a crash, exit, out of memory) or was killed from outside. */
    CRASH,
    /** Stopped by the pool for not answering heartbeats within --worker-timeout (a hang, also while draining). */
    HANG,
    /** Replaced after --recycle-after connections (fork-per-connection: after each one). */
    RECYCLE,
    /** Replaced by a rolling restart (SIGHUP, `forkd reload`). */
    RELOAD,
    /** Stopped by a scale-down (SIGTTOU, `forkd scale`): not replaced, its slot is gone. */
    SCALE,
    /** Replaced because its socket was lost: the runtime directory or the socket deleted, or another user's process at its path. */
    SOCKET,
    /** Exited before it was ready (including a boot timeout). */
    BOOT_FAILURE;

    /** The name in /metrics' reason label and /status: crash, hang, …, boot_failure. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Counted against --max-restarts and the restart backoff: the worker's fault, not the operator's request. */
    boolean unplanned() {
        return this == CRASH || this == HANG || this == BOOT_FAILURE;
    }

    /** "0", "5 (reload 5)", "3 (crash 2, hang 1)": how the status table shows a count by reason. */
    public static String describe(ToLongFunction<RestartReason> count) {
        long total = 0;
        StringJoiner parts = new StringJoiner(", ", " (", ")");
        for (RestartReason r : values()) {
            long n = count.applyAsLong(r);
            if (n > 0) {
                total += n;
                parts.add(r.label() + " " + n);
            }
        }
        return total == 0 ? "0" : total + parts.toString();
    }
}
