package dev.forkd.tools.experiment;

import java.util.List;

/**
 * One crash of the experiment, as planned and as it happened. Times are ms from the start of the
 * load, -1 when it did not happen. {@code target} is the load connection whose worker was crashed
 * (kill9), null when the dedicated injector connection was the target. {@code heldClients} are the
 * client addresses (address:port) of every connection the supervisor was relaying to that worker
 * at the crash: for kill9 as the admin endpoint saw them at the instant it sent the signal, for
 * the chaos kinds as /status listed them from just before the command until the worker was down.
 * {@code onWorker} are the load connections among them (matched by our local port); the injector's
 * own connection is not one. {@code targetSlot} is the worker's pool position, which its
 * replacement fills (-1 if it was draining, its replacement started already).
 */
public record CrashRecord(int index, long plannedAtMs, double choice, CrashKind kind, String skipped,
        long injectedAtMs, long targetPid, int targetWorkerId, int targetSlot, ConnKey target,
        long downAtMs, List<ConnKey> onWorker, List<String> heldClients, long goneAtMs, long recoveredAtMs) {

    public static CrashRecord skipped(CrashSchedule.Planned p, CrashKind kind, String why) {
        return new CrashRecord(p.index(), p.atMs(), p.choice(), kind, why, -1, 0, -1, -1, null, -1, List.of(), List.of(), -1, -1);
    }

    public boolean injected() {
        return skipped == null;
    }

    /**
     * From injection until /status showed a ready worker in the crashed one's slot (or, for a
     * worker replaced already, just no more the crashed pid); null if it never did.
     */
    public Long restartLatencyMs() {
        return recoveredAtMs >= 0 ? recoveredAtMs - injectedAtMs : null;
    }

    CrashRecord withRecovery(long gone, long recovered) {
        return new CrashRecord(index, plannedAtMs, choice, kind, skipped, injectedAtMs, targetPid, targetWorkerId, targetSlot, target,
                downAtMs, onWorker, heldClients, gone, recovered);
    }

    /** The ports of {@code addresses} (address:port, IPv6 in brackets); one without a port is left out. */
    static java.util.Set<Integer> ports(List<String> addresses) {
        java.util.Set<Integer> ports = new java.util.TreeSet<>();
        for (String a : addresses) {
            int colon = a.lastIndexOf(':');
            try {
                ports.add(Integer.parseInt(a.substring(colon + 1)));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                // not an address:port: the supervisor names every relayed client that way, so this is nobody of ours
                continue;
            }
        }
        return ports;
    }
}
