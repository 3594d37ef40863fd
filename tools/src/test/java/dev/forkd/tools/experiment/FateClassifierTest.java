package dev.forkd.tools.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

public class FateClassifierTest {
    /** Completed: its first reply 1 ms after it opened, its last request sent 1 ms before it ended. */
    public static ConnectionOutcome done(int client, int n, long pid, long start, long end) {
        return new ConnectionOutcome(new ConnKey(client, n), pid, 40000 + client, start, end, 5, false, null, start + 1, end - 1);
    }

    /** Failed: if it knew its worker, it had its first reply 1 ms after it opened and sent a request 2 ms before it failed. */
    public static ConnectionOutcome failed(int client, int n, long pid, long start, long end) {
        return new ConnectionOutcome(new ConnKey(client, n), pid, 40000 + client, start, end, 2, true, "connection closed",
                pid > 0 ? start + 1 : -1, pid > 0 ? end - 2 : -1);
    }

    /** A crash injected at {@code at} of worker {@code pid}, which held {@code onWorker} (their ports as the supervisor lists them), gone from /status 50 ms later. */
    public static CrashRecord crash(int index, long at, long pid, ConnKey target, ConnKey... onWorker) {
        List<String> held = java.util.Arrays.stream(onWorker).map(k -> "127.0.0.1:" + (40000 + k.client())).toList();
        return new CrashRecord(index, at, 0.5, CrashKind.KILL9, null, at, pid, 3, 1, target, at + 5, List.of(onWorker), held, at + 50,
                at + 800);
    }

    @Test
    void completedCrashedAndCollateral() {
        ConnKey target = new ConnKey(1, 2);
        List<ConnectionOutcome> outcomes = List.of(
                done(1, 1, 100, 0, 10),
                failed(1, 2, 100, 990, 1006),      // the target
                failed(2, 7, 100, 995, 1006),      // same worker, not the target
                failed(3, 4, 200, 1500, 1600),     // another worker, no crash there
                done(4, 1, 200, 990, 1020));
        FateClassifier.Result r = FateClassifier.classify(outcomes, List.of(crash(1, 1000, 100, target, target, new ConnKey(2, 7))));
        assertEquals(Fate.COMPLETED, r.fates().get(new ConnKey(1, 1)));
        assertEquals(Fate.CRASHED, r.fates().get(target));
        assertEquals(Fate.COLLATERAL, r.fates().get(new ConnKey(2, 7)));
        assertEquals(Fate.COLLATERAL, r.fates().get(new ConnKey(3, 4)));
        assertEquals(Fate.COMPLETED, r.fates().get(new ConnKey(4, 1)));
        assertEquals(2, r.count(Fate.COMPLETED));
        assertEquals(1, r.count(Fate.CRASHED));
        assertEquals(2, r.count(Fate.COLLATERAL));
        assertEquals(Map.of(1, List.of(target, new ConnKey(2, 7))), r.lostByCrash(), "lost to the crash: the target and its worker's others");
        assertFalse(r.lostTo().containsKey(new ConnKey(3, 4)), "a failure on a worker nobody crashed is lost to no crash");
    }

    @Test
    void theInjectorAsTargetMakesEveryLoadLossCollateral() {
        List<ConnectionOutcome> outcomes = List.of(failed(1, 1, 100, 990, 1010));
        FateClassifier.Result r = FateClassifier.classify(outcomes, List.of(crash(1, 1000, 100, null)));
        assertEquals(Fate.COLLATERAL, r.fates().get(new ConnKey(1, 1)));
        assertEquals(Map.of(1, List.of(new ConnKey(1, 1))), r.lostByCrash());
    }

    @Test
    void aFailureThatNeverLearnedItsWorkerGoesToTheCrashOfItsMoment() {
        List<ConnectionOutcome> outcomes = List.of(
                failed(1, 1, 0, 995, 1010),    // open when crash 1's worker went: crash 1
                failed(2, 1, 0, 1990, 2030),   // crash 2 was injected since: the latest one before it failed
                failed(3, 1, 0, 2600, 2700),   // after crash 2's worker was gone and its grace: no crash
                failed(4, 1, 0, 100, 200));    // before any crash
        List<CrashRecord> crashes = List.of(crash(1, 1000, 100, null), crash(2, 2000, 200, null));
        FateClassifier.Result r = FateClassifier.classify(outcomes, crashes);
        assertEquals(1, r.lostTo().get(new ConnKey(1, 1)));
        assertEquals(2, r.lostTo().get(new ConnKey(2, 1)));
        // crash 2 was gone at 2050: the grace runs to 3050, so 2700 is still crash 2's
        assertEquals(2, r.lostTo().get(new ConnKey(3, 1)));
        assertFalse(r.lostTo().containsKey(new ConnKey(4, 1)));
        assertTrue(r.attributedByTime().contains(new ConnKey(1, 1)));
        assertEquals(4, r.count(Fate.COLLATERAL), "attribution says which crash, not that it was a target");
    }

    @Test
    void aFailureLongAfterTheWorkerWasGoneIsNotItsCrash() {
        List<ConnectionOutcome> outcomes = List.of(failed(1, 1, 0, 1500, 1000 + 50 + FateClassifier.ATTRIBUTION_GRACE_MS + 1));
        FateClassifier.Result r = FateClassifier.classify(outcomes, List.of(crash(1, 1000, 100, null)));
        assertTrue(r.lostTo().isEmpty());
    }

    @Test
    void skippedCrashesCostNothing() {
        CrashRecord skipped = CrashRecord.skipped(new CrashSchedule.Planned(1, 1000, 0.3), CrashKind.KILL9, "no busy connection");
        FateClassifier.Result r = FateClassifier.classify(List.of(failed(1, 1, 0, 990, 1010)), List.of(skipped));
        assertTrue(r.lostByCrash().isEmpty());
        assertTrue(r.lostTo().isEmpty());
    }
}
