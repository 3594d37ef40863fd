package dev.forkd.supervisor.restart;

import dev.forkd.shared.ExitCodes;

/**
 * What a worker's exit means, decided from facts alone (no clock, no files, no process): under
 * which {@link RestartReason} it is counted, the same value that labels the restart metric, and
 * what the pool does next.
 *
 * @param reason what the exit is counted as; null only for {@link Then#NOTHING} (the supervisor's own shutdown is not a restart)
 */
public record ExitDecision(RestartReason reason, Then then) {

    /** What the pool does after counting the exit. */
    public enum Then {
        /** The supervisor is stopping: log it, count nothing, start nothing. */
        NOTHING,
        /** The pool ended it (drained or stopped it on purpose): start its replacement, no backoff. */
        REPLACE,
        /** It could not boot because the runtime directory was deleted under it: restore that, then replace it. */
        RESTORE_RUNTIME_DIR,
        /** It failed to boot with the boot-failure code: its handler cannot start, so forkd gives up. */
        GIVE_UP,
        /** The worker's own fault: counted against --max-restarts, then replaced after the backoff. */
        REPLACE_AFTER_BACKOFF
    }

    /**
     * @param stopping the supervisor is shutting down
     * @param wasStopping the pool had started stopping it (TERM sent) when its exit was seen
     * @param asked why the pool drained or stopped it, or null if the pool did not end it
     * @param everReady it said ready once
     * @param code its exit value (128 + N for signal N)
     * @param runtimeDirLost the runtime directory or the control socket is gone, or the worker's socket is not in the current directory
     */
    public static ExitDecision of(boolean stopping, boolean wasStopping, RestartReason asked, boolean everReady, int code,
            boolean runtimeDirLost) {
        if (stopping) {
            return new ExitDecision(null, Then.NOTHING);
        }
        if (asked != null && !asked.unplanned()) {
            return new ExitDecision(asked, Then.REPLACE);
        }
        if (!everReady) {
            if (code == ExitCodes.BOOT_FAILURE) {
                // it could not bind its socket or reach the control socket: not its fault, nor a reason to give up
                return new ExitDecision(RestartReason.BOOT_FAILURE, runtimeDirLost ? Then.RESTORE_RUNTIME_DIR : Then.GIVE_UP);
            }
            return new ExitDecision(RestartReason.BOOT_FAILURE, Then.REPLACE_AFTER_BACKOFF);
        }
        if (asked == RestartReason.HANG || wasStopping) {
            return new ExitDecision(RestartReason.HANG, Then.REPLACE_AFTER_BACKOFF);
        }
        return new ExitDecision(RestartReason.CRASH, Then.REPLACE_AFTER_BACKOFF);
    }
}
