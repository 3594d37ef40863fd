package dev.forkd.supervisor;

import java.util.List;

/**
 * One crash of the experiment, as planned and as it happened. Times are ms from the start of the
 * load, -1 when it did not happen. {@code target} is the load connection whose worker was crashed
 * (kill9), null when the dedicated injector connection was the target. {@code onWorker} are the
 * load connections on that worker with a request still to send when it was seen down (dead, or
 * stopped for hang). {@code targetSlot} is the worker's pool position, which its
 * replacement fills (-1 if it was draining, its replacement started already).
 */
record CrashRecord(int index, long plannedAtMs, double choice, CrashKind kind, String skipped,
        long injectedAtMs, long targetPid, int targetWorkerId, int targetSlot, ConnKey target,
        long downAtMs, List<ConnKey> onWorker, long goneAtMs, long recoveredAtMs) {

    static CrashRecord skipped(CrashSchedule.Planned p, CrashKind kind, String why) {
        return new CrashRecord(p.index(), p.atMs(), p.choice(), kind, why, -1, 0, -1, -1, null, -1, List.of(), -1, -1);
    }

    boolean injected() {
        return skipped == null;
    }

    /**
     * From injection until /status showed a ready worker in the crashed one's slot (or, for a
     * worker replaced already, just no more the crashed pid); null if it never did.
     */
    Long restartLatencyMs() {
        return recoveredAtMs >= 0 ? recoveredAtMs - injectedAtMs : null;
    }

    CrashRecord withRecovery(long gone, long recovered) {
        return new CrashRecord(index, plannedAtMs, choice, kind, skipped, injectedAtMs, targetPid, targetWorkerId, targetSlot, target,
                downAtMs, onWorker, gone, recovered);
    }
}
