package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkerContractTest {

    @Test
    void builtInHandlersAreKnownByExactName() {
        for (String h : WorkerContract.BUILT_IN_HANDLERS) {
            assertTrue(WorkerContract.isBuiltInHandler(h), h);
            assertFalse(WorkerContract.looksLikeClassName(h), "a built-in name must not read as a class: " + h);
        }
        assertTrue(WorkerContract.isBuiltInHandler("upper"));
        assertFalse(WorkerContract.isBuiltInHandler("Upper"));
        assertFalse(WorkerContract.isBuiltInHandler("cat"));
        assertFalse(WorkerContract.isBuiltInHandler(""));
        assertFalse(WorkerContract.isBuiltInHandler(null));
    }

    @Test
    void userHandlersAreFullyQualifiedClassNames() {
        for (String ok : List.of("com.example.MyHandler", "a.B", "org.x.Outer$Inner", "_x.y1", WorkerContract.MAIN_CLASS)) {
            assertTrue(WorkerContract.looksLikeClassName(ok), ok);
        }
        for (String bad : List.of("MyHandler", "", ".x", "x.", "com..x", "1com.x", "com.1x", "com.example.My-Handler",
                "com.example.MyHandler.class/..", "com example.X")) {
            assertFalse(WorkerContract.looksLikeClassName(bad), bad);
        }
    }

    @Test
    void mainClassIsTheWorkersPackage() {
        assertTrue(WorkerContract.MAIN_CLASS.startsWith("dev.forkd.worker."));
    }

    @Test
    void optionNamesAreDistinctLongOptions() {
        List<String> opts = List.of(WorkerContract.OPT_ID, WorkerContract.OPT_SOCKET, WorkerContract.OPT_CONTROL,
                WorkerContract.OPT_HANDLER, WorkerContract.OPT_THREADED, WorkerContract.OPT_BUFFER_SIZE,
                WorkerContract.OPT_LOG_LEVEL);
        Set<String> seen = new HashSet<>();
        for (String o : opts) {
            assertTrue(o.matches("--[a-z]+(-[a-z]+)*"), o);
            assertTrue(seen.add(o), "duplicate " + o);
        }
        assertEquals(opts.size(), seen.size());
    }
}
