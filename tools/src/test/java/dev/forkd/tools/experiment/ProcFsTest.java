package dev.forkd.tools.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcFsTest {
    @Test
    void stateFollowsTheLastParenthesis() {
        assertEquals(ProcFs.State.RUNNING, ProcFs.parseStat("4242 (java) S 1 4242 4242 0 -1 4194560 ..."));
        assertEquals(ProcFs.State.RUNNING, ProcFs.parseStat("4242 (java) R 1 4242"));
        assertEquals(ProcFs.State.STOPPED, ProcFs.parseStat("4242 (a) b) T 1 4242"), "a command name may hold ') '");
        assertEquals(ProcFs.State.STOPPED, ProcFs.parseStat("4242 (java) t 1"));
        assertEquals(ProcFs.State.GONE, ProcFs.parseStat("4242 (java) Z 1"));
        assertEquals(ProcFs.State.GONE, ProcFs.parseStat("4242 (java) X 1"));
        assertThrows(IllegalArgumentException.class, () -> ProcFs.parseStat("nonsense"));
    }

    @Test
    void thisProcessIsRunningAndHasMemory() {
        long self = ProcessHandle.current().pid();
        assertEquals(ProcFs.State.RUNNING, ProcFs.state(self));
        assertTrue(ProcFs.rssKiB(self).orElse(0) > 1024, "a JVM holds more than 1 MiB");
        assertEquals(ProcFs.State.GONE, ProcFs.state(Integer.MAX_VALUE), "no such process");
    }
}
