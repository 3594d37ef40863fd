package dev.forkd.worker.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkerLogTest {

    @Test
    void linesStartWithTheLevelThatTheSupervisorParses() {
        assertEquals("INFO worker 3 ready on /run/x\n", WorkerLog.format(WorkerLog.Level.INFO, "worker {} ready on {}", 3, "/run/x"));
        assertEquals("DEBUG no arguments {}\n", WorkerLog.format(WorkerLog.Level.DEBUG, "no arguments {}"));
        assertEquals("WARN extra arguments are ignored\n", WorkerLog.format(WorkerLog.Level.WARN, "extra arguments are ignored", "x"));
    }

    @Test
    void aThrowableLeftAfterThePlaceholdersIsWrittenWithItsTrace() {
        Exception e = new IllegalStateException("handler bug", new java.io.IOException("cause"));
        String s = WorkerLog.format(WorkerLog.Level.WARN, "connection {} failed: {}", 7, e.toString(), e);
        assertTrue(s.startsWith("WARN connection 7 failed: java.lang.IllegalStateException: handler bug\n"
                + "java.lang.IllegalStateException: handler bug\n\tat "), s);
        assertTrue(s.contains("\nCaused by: java.io.IOException: cause\n"), s);
        assertEquals("ERROR only the message: java.lang.IllegalStateException: handler bug\n",
                WorkerLog.format(WorkerLog.Level.ERROR, "only the message: {}", e).replaceAll("(?s)\\n.*", "\n"));
    }

    @Test
    void levelsAsLog4jNamesThem() {
        assertEquals(WorkerLog.Level.DEBUG, WorkerLog.parse("debug"));
        assertEquals(WorkerLog.Level.TRACE, WorkerLog.parse("ALL"));
        assertNull(WorkerLog.parse("OFF"));
        assertEquals(WorkerLog.Level.INFO, WorkerLog.parse("nonsense"));
    }
}
