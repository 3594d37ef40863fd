package dev.forkd.supervisor;

import static dev.forkd.supervisor.FateClassifierTest.crash;
import static dev.forkd.supervisor.FateClassifierTest.done;
import static dev.forkd.supervisor.FateClassifierTest.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExpectationsTest {
    private static Expectation check(Model model, List<ConnectionOutcome> outcomes, List<CrashRecord> crashes) {
        List<Expectation> e = Expectations.check(model, outcomes, crashes, FateClassifier.classify(outcomes, crashes));
        assertEquals(1, e.size());
        return e.get(0);
    }

    @Test
    void preforkPassesWhenOnlyTargetsAreLost() {
        ConnKey target = new ConnKey(1, 2);
        List<ConnectionOutcome> outcomes = List.of(done(1, 1, 100, 0, 10), failed(1, 2, 100, 990, 1006), done(2, 1, 200, 990, 1020));
        Expectation e = check(Model.PREFORK, outcomes, List.of(crash(1, 1000, 100, target, target)));
        assertTrue(e.pass(), e.detail());
        assertEquals("PASS", e.verdict());
    }

    @Test
    void anyCollateralFailsPreforkForkPerConnectionAndIterative() {
        ConnKey target = new ConnKey(1, 2);
        List<ConnectionOutcome> outcomes = List.of(failed(1, 2, 100, 990, 1006), failed(2, 3, 0, 995, 1004));
        List<CrashRecord> crashes = List.of(crash(1, 1000, 100, target, target));
        for (Model m : List.of(Model.PREFORK, Model.FORK_PER_CONNECTION, Model.ITERATIVE)) {
            Expectation e = check(m, outcomes, crashes);
            assertFalse(e.pass(), m.toString());
            assertEquals("1 collateral: c2#3", e.detail());
        }
        assertTrue(check(Model.ITERATIVE, outcomes, crashes).name().contains("queued clients are served after the restart"));
    }

    @Test
    void threadedLosesItsWorkersConnectionsAndNoOthers() {
        ConnKey target = new ConnKey(1, 2);
        List<ConnectionOutcome> outcomes = List.of(
                failed(1, 2, 100, 990, 1006),   // the target
                failed(2, 3, 100, 980, 1006),   // on the same worker
                failed(3, 1, 0, 999, 1008),     // never learned its worker, failed with it
                done(4, 1, 200, 990, 1020));    // on the other worker
        Expectation e = check(Model.THREADED, outcomes, List.of(crash(1, 1000, 100, target, target, new ConnKey(2, 3))));
        assertTrue(e.pass(), e.detail());
        assertEquals("2 connection(s) on crashed workers, all lost; no other connection lost", e.detail());
    }

    @Test
    void threadedFailsWhenAnotherWorkersConnectionIsLost() {
        ConnKey target = new ConnKey(1, 2);
        List<ConnectionOutcome> outcomes = List.of(failed(1, 2, 100, 990, 1006), failed(4, 1, 200, 990, 1020));
        Expectation e = check(Model.THREADED, outcomes, List.of(crash(1, 1000, 100, target, target)));
        assertFalse(e.pass());
        assertEquals("1 lost on no crashed worker: c4#1", e.detail());
    }

    @Test
    void threadedFailsWhenAConnectionOnTheCrashedWorkerSurvived() {
        ConnKey target = new ConnKey(1, 2);
        List<ConnectionOutcome> outcomes = List.of(failed(1, 2, 100, 990, 1006), done(2, 3, 100, 980, 1010));
        Expectation e = check(Model.THREADED, outcomes, List.of(crash(1, 1000, 100, target, target, new ConnKey(2, 3))));
        assertFalse(e.pass());
        assertEquals("1 on a crashed worker yet completed: c2#3", e.detail());
    }
}
