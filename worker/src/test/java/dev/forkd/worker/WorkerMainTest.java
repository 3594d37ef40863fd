package dev.forkd.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WorkerMainTest {

    @Test
    void parsesEveryOptionOfTheContract() {
        WorkerMain w = WorkerMain.parse(new String[] {"--id", "7", "--socket", "/run/f/worker-7.sock", "--control", "/run/f/control.sock",
                "--handler", "echo", "--buffer-size", "16384", "--framing", "length", "--max-frame", "65536", "--fixed-size", "8",
                "--heartbeat-timeout-ms", "90000", "--worker-classpath", "/a.jar:/b.jar", "--threaded", "--enable-chaos"});
        assertEquals(7, w.id);
        assertEquals(Path.of("/run/f/worker-7.sock"), w.socket);
        assertEquals(Path.of("/run/f/control.sock"), w.control);
        assertEquals("echo", w.handler);
        assertEquals(16384, w.bufferSize);
        assertEquals("length", w.framing);
        assertEquals(65536, w.maxFrame);
        assertEquals(8, w.fixedSize);
        assertEquals(90000L, w.heartbeatTimeoutMs);
        assertEquals("/a.jar:/b.jar", w.workerClasspath);
        assertTrue(w.threaded);
        assertTrue(w.enableChaos);
        assertFalse(w.handlerSpeaksFirst);
        assertTrue(WorkerMain.parse(new String[] {"--id", "1", "--socket", "s", "--control", "c", "--handler-speaks-first"}).handlerSpeaksFirst);
    }

    @Test
    void eventedIsOneEventLoopAndExcludesThreaded() {
        WorkerMain w = WorkerMain.parse(new String[] {"--id", "1", "--socket", "s", "--control", "c", "--evented"});
        assertEquals(ConnectionModel.EVENT_LOOP, w.connectionModel());
        assertEquals(ConnectionModel.THREAD_PER_CONNECTION,
                WorkerMain.parse(new String[] {"--id", "1", "--socket", "s", "--control", "c", "--threaded"}).connectionModel());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> WorkerMain.parse(new String[] {"--id", "1", "--socket", "s", "--control", "c", "--evented", "--threaded"}));
        assertTrue(e.getMessage().contains("exclude each other"), e.getMessage());
    }

    @Test
    void defaultsWhereTheSupervisorSaysNothing() {
        WorkerMain w = WorkerMain.parse(new String[] {"--id", "1", "--socket", "s", "--control", "c"});
        assertEquals("upper", w.handler);
        assertEquals(4096, w.bufferSize);
        assertEquals("raw", w.framing);
        assertEquals(1048576, w.maxFrame);
        assertFalse(w.threaded);
        assertFalse(w.evented);
        assertEquals(ConnectionModel.ONE_AT_A_TIME, w.connectionModel());
        assertFalse(w.enableChaos);
        assertNull(w.workerClasspath);
    }

    @Test
    void badCommandLinesAreRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkerMain.parse(new String[] {"--socket", "s", "--control", "c"}))
                .getMessage().contains("--id"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> WorkerMain.parse(new String[] {"--id", "x", "--socket", "s", "--control", "c"})).getMessage().contains("--id"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> WorkerMain.parse(new String[] {"--id", "1", "--socket", "s", "--control", "c", "--nope", "1"})).getMessage().contains("--nope"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkerMain.parse(new String[] {"--id"})).getMessage().contains("missing value"));
    }
}
