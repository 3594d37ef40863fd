package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServeArgsTest {
    private static final List<String> BRIDGE = List.of("--host", "0.0.0.0", "--port", "8888", "--admin", "0.0.0.0:9901",
            "--admin-token-file", "/t");

    private static List<String> bridge(ServeArgs a) {
        return a.command("0.0.0.0", 8888, "0.0.0.0:9901", "/t");
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }

    @Test
    void addressesAndTokenFileComeFirstThenTheChosenOptionsThenTheExtraArguments() {
        ServeArgs a = new ServeArgs();
        a.setDefault("--workers", "2");
        a.set("--model", "threaded");
        a.set("--handler", "upper");
        a.set("--framing", "line");
        a.extra("--connections-per-worker", "8", "--idle-timeout=30s");
        assertEquals(concat(BRIDGE, "--workers", "2", "--model", "threaded", "--handler", "upper", "--framing", "line",
                "--connections-per-worker", "8", "--idle-timeout=30s"), bridge(a));
    }

    @Test
    void onTheHostNetworkForkdBindsLoopbackOnTheGivenPorts() {
        ServeArgs a = new ServeArgs();
        assertEquals(List.of("--host", "127.0.0.1", "--port", "40001", "--admin", "127.0.0.1:40002", "--admin-token-file", "/t"),
                a.command("127.0.0.1", 40001, "127.0.0.1:40002", "/t"));
    }

    @Test
    void aChoiceReplacesTheDefaultWhetherMadeByMethodOrByArgument() {
        ServeArgs byMethod = new ServeArgs();
        byMethod.setDefault("--workers", "2");
        byMethod.set("--workers", "5");
        assertEquals(concat(BRIDGE, "--workers", "5"), bridge(byMethod));

        for (String w : new String[] {"-w", "--workers"}) {
            ServeArgs byArg = new ServeArgs();
            byArg.setDefault("--workers", "2");
            byArg.extra(w, "7");
            assertEquals(concat(BRIDGE, w, "7"), bridge(byArg));
        }
    }

    @Test
    void handlerJarsJoinTheWorkerClasspathAndChaosAddsItsFlagAndHandler() {
        ServeArgs a = new ServeArgs();
        a.addClasspath("/lib/1-h.jar");
        a.addClasspath("/lib/2-dep.jar");
        a.set("--handler", "com.example.H");
        assertEquals(concat(BRIDGE, "--handler", "com.example.H", "--worker-classpath", "/lib/1-h.jar:/lib/2-dep.jar"), bridge(a));

        ServeArgs c = new ServeArgs();
        c.chaos();
        assertTrue(c.chaosEnabled());
        assertEquals(concat(BRIDGE, "--handler", "chaos", "--enable-chaos"), bridge(c));
    }

    @Test
    void theOptionsTheContainerManagesAreRefusedAsArgumentsWithTheMethodToUse() {
        for (String arg : new String[] {"--port", "--port=1", "--host", "-b", "--bind=:1", "--admin", "--ADMIN", "--admin-token-file"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ServeArgs().extra(arg, "x"), arg);
            assertTrue(e.getMessage().contains("is set by ForkdContainer; use "), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ServeArgs().extra("--queue", null));
    }

    @Test
    void anOptionGivenBothByMethodAndAsArgumentIsRefusedBeforeForkdWouldExit2() {
        ServeArgs model = new ServeArgs();
        model.set("--model", "prefork");
        model.extra("--model=threaded");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bridge(model));
        assertEquals("--model is given both as an argument and with its ForkdContainer method (withModel); keep one", e.getMessage());

        ServeArgs chaos = new ServeArgs();
        chaos.chaos();
        chaos.extra("--enable-chaos");
        assertThrows(IllegalArgumentException.class, () -> bridge(chaos));

        ServeArgs cp = new ServeArgs();
        cp.addClasspath("/lib/1-h.jar");
        cp.extra("--worker-classpath", "/other");
        assertThrows(IllegalArgumentException.class, () -> bridge(cp));
    }

    @Test
    void valuesAreNotOptions() {
        assertEquals("", ServeArgs.optionName("8888"));
        assertEquals("--port", ServeArgs.optionName("--port=1"));
        ServeArgs a = new ServeArgs();
        a.extra("--handler-speaks-first", "--max-frame", "64KiB");
        assertEquals(concat(BRIDGE, "--handler-speaks-first", "--max-frame", "64KiB"), bridge(a));
    }
}
