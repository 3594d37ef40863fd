package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelTest {
    @Test
    void parseIgnoresCase() {
        assertEquals(Model.PREFORK, Model.parse("prefork"));
        assertEquals(Model.PREFORK, Model.parse("PreFork"));
        assertEquals(Model.ITERATIVE, Model.parse("ITERATIVE"));
        assertEquals(Model.THREADED, Model.parse(" threaded "));
    }

    @Test
    void unknownNameListsTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.parse("forking"));
        assertTrue(e.getMessage().contains("'forking'"), e.getMessage());
        assertTrue(e.getMessage().contains("iterative, prefork, threaded"), e.getMessage());
    }

    @Test
    void presets() {
        assertEquals(1, Model.ITERATIVE.defaultWorkers(8));
        assertEquals(16, Model.PREFORK.defaultWorkers(8));
        assertEquals(1, Model.PREFORK.defaultConnectionsPerWorker());
        assertEquals(Model.THREADED_DEFAULT_CONNECTIONS, Model.THREADED.defaultConnectionsPerWorker());
        assertEquals("threaded", Model.THREADED.toString());
        assertEquals(Model.EVENTED, Model.parse("evented"));
        assertEquals(Model.EVENTED_DEFAULT_CONNECTIONS, Model.EVENTED.defaultConnectionsPerWorker());
        assertEquals(16, Model.EVENTED.defaultWorkers(8));
    }

    @Test
    void onlyThreadedAndEventedServeManyConnectionsPerWorker() {
        for (Model m : Model.values()) {
            assertEquals(m == Model.THREADED || m == Model.EVENTED, m.manyPerWorker, m.toString());
        }
    }
}
