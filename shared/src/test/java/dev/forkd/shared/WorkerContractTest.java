package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
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
        assertTrue(WorkerContract.isBuiltInHandler(WorkerContract.CHAOS_HANDLER));
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
    void optionNamesAreDistinctLongOptions() throws IllegalAccessException {
        // every OPT_ constant, found by reflection so that options added or removed later are covered
        Set<String> seen = new HashSet<>();
        for (Field f : WorkerContract.class.getFields()) {
            if (f.getName().startsWith("OPT_") && Modifier.isStatic(f.getModifiers())) {
                String o = (String) f.get(null);
                assertTrue(o.matches("--[a-z]+(-[a-z]+)*"), f.getName() + " = " + o);
                assertTrue(seen.add(o), "duplicate " + o);
            }
        }
        assertTrue(seen.containsAll(List.of(WorkerContract.OPT_ID, WorkerContract.OPT_SOCKET, WorkerContract.OPT_CONTROL)));
    }
}
