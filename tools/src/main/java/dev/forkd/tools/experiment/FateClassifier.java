package dev.forkd.tools.experiment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Gives each load connection its fate and each crash the connections it cost. A failed
 * connection is lost to the crash that targeted it, else to the crash whose worker held it (the
 * supervisor's list at the crash), else to the crash of the worker whose pid it knew. One whose worker never answered {@code pid} (it failed while opening) is lost to the crash
 * whose worker went down while it was open: the latest one injected before it failed, if it failed
 * before that worker left /status plus a grace; otherwise it is lost to no crash.
 */
public final class FateClassifier {
    /** After a crashed worker left /status, how long its connections may still be seen failing. */
    static final long ATTRIBUTION_GRACE_MS = 1000;

    /** Fates, and for each lost connection the crash (its index) it is lost to. */
    public record Result(Map<ConnKey, Fate> fates, Map<ConnKey, Integer> lostTo, Set<ConnKey> attributedByTime,
            Map<Integer, List<ConnKey>> lostByCrash) {
        long count(Fate f) {
            return fates.values().stream().filter(x -> x == f).count();
        }
    }

    private FateClassifier() {
    }

    static Result classify(List<ConnectionOutcome> outcomes, List<CrashRecord> crashes) {
        Map<ConnKey, Integer> targetOf = new HashMap<>();
        Map<ConnKey, Integer> heldBy = new HashMap<>();
        Map<Long, Integer> crashOfPid = new HashMap<>();
        Map<Integer, List<ConnKey>> lostByCrash = new TreeMap<>();
        for (CrashRecord c : crashes) {
            if (!c.injected()) {
                continue;
            }
            lostByCrash.put(c.index(), new ArrayList<>());
            if (c.target() != null) {
                targetOf.put(c.target(), c.index());
            }
            for (ConnKey k : c.onWorker()) {
                heldBy.putIfAbsent(k, c.index());
            }
            if (c.targetPid() > 0) {
                crashOfPid.put(c.targetPid(), c.index());
            }
        }
        Map<ConnKey, Fate> fates = new TreeMap<>();
        Map<ConnKey, Integer> lostTo = new TreeMap<>();
        Set<ConnKey> byTime = new HashSet<>();
        for (ConnectionOutcome o : outcomes) {
            if (!o.failed()) {
                fates.put(o.key(), Fate.COMPLETED);
                continue;
            }
            fates.put(o.key(), targetOf.containsKey(o.key()) ? Fate.CRASHED : Fate.COLLATERAL);
            Integer crash = targetOf.get(o.key());
            if (crash == null) {
                crash = heldBy.get(o.key());
            }
            if (crash == null && o.pidKnown()) {
                crash = crashOfPid.get(o.workerPid());
            }
            if (crash == null && !o.pidKnown()) {
                crash = byTime(o, crashes);
                if (crash != null) {
                    byTime.add(o.key());
                }
            }
            if (crash != null) {
                lostTo.put(o.key(), crash);
                lostByCrash.get(crash).add(o.key());
            }
        }
        return new Result(fates, lostTo, byTime, lostByCrash);
    }

    private static Integer byTime(ConnectionOutcome o, List<CrashRecord> crashes) {
        CrashRecord best = null;
        for (CrashRecord c : crashes) {
            if (!c.injected() || c.injectedAtMs() > o.endMs() || o.startMs() > windowEnd(c)) {
                continue;
            }
            if (o.endMs() <= windowEnd(c) && (best == null || c.injectedAtMs() > best.injectedAtMs())) {
                best = c;
            }
        }
        return best == null ? null : best.index();
    }

    private static long windowEnd(CrashRecord c) {
        // never seen gone: its connections may fail until the end
        return c.goneAtMs() < 0 ? Long.MAX_VALUE : c.goneAtMs() + ATTRIBUTION_GRACE_MS;
    }
}
