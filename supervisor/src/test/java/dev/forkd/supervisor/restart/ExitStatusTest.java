package dev.forkd.supervisor.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExitStatusTest {
    @Test
    void signals() {
        assertEquals("killed by signal KILL (9)", ExitStatus.describe(137));
        assertEquals("killed by signal TERM (15)", ExitStatus.describe(143));
        assertEquals("killed by signal 31", ExitStatus.describe(128 + 31));
        assertTrue(ExitStatus.isSignal(137));
    }

    @Test
    void exitCodes() {
        assertEquals("exit code 3", ExitStatus.describe(3));
        assertEquals("exit code 0", ExitStatus.describe(0));
        assertEquals("exit code 128", ExitStatus.describe(128));
        assertFalse(ExitStatus.isSignal(3));
    }
}
