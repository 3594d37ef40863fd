package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class ServeCommandTest {
    private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();

    private static ServeConfig resolve(String... args) {
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.parseArgs(args);
        return cl.<ServeCommand>getCommand().resolve();
    }

    @Test
    void defaults() {
        ServeConfig c = resolve();
        assertEquals("127.0.0.1", c.host());
        assertEquals(8888, c.port());
        assertEquals(Model.PREFORK, c.model());
        assertEquals(2 * PROCESSORS, c.workers());
        assertEquals(1, c.connectionsPerWorker());
        assertEquals("upper", c.handler());
        assertEquals(4096, c.bufferSize());
        assertEquals(256, c.queueBound());
        assertEquals(Duration.ofSeconds(10), c.queueTimeout());
        assertEquals(Duration.ofSeconds(30), c.gracefulTimeout());
        assertEquals("INFO", c.logLevel());
        assertNull(c.runtimeDir());
    }

    @Test
    void presets() {
        ServeConfig iterative = resolve("--model", "iterative");
        assertEquals(1, iterative.workers());
        assertEquals(1, iterative.connectionsPerWorker());

        ServeConfig threaded = resolve("--model", "threaded");
        assertEquals(2 * PROCESSORS, threaded.workers());
        assertEquals(1000, threaded.connectionsPerWorker());
    }

    @Test
    void explicitKnobsOverridePresets() {
        assertEquals(3, resolve("--model", "iterative", "--workers", "3").workers());
        ServeConfig c = resolve("--model", "threaded", "--workers", "2", "--connections-per-worker", "7");
        assertEquals(2, c.workers());
        assertEquals(7, c.connectionsPerWorker());
    }

    @Test
    void durationsAndSizes() {
        ServeConfig c = resolve("--queue-timeout", "500ms", "--graceful-timeout", "2m", "--restart-window", "10s",
                "--buffer-size", "64KiB", "--log-level", "debug", "--handler", "com.example.Some");
        assertEquals(Duration.ofMillis(500), c.queueTimeout());
        assertEquals(Duration.ofMinutes(2), c.gracefulTimeout());
        assertEquals(Duration.ofSeconds(10), c.restartWindow());
        assertEquals(64 * 1024, c.bufferSize());
        assertEquals("DEBUG", c.logLevel());
        assertEquals("com.example.Some", c.handler());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--workers -1",
        "--workers 0",
        "--model foo",
        "--handler nope",
        "--queue-timeout abc",
        "--queue-timeout 0s",
        "--connections-per-worker 5",
        "--model prefork --connections-per-worker 5",
        "--port 70000",
        "--port -1",
        "--buffer-size 10",
        "--log-level LOUD",
    })
    void badValuesAreRejected(String args) {
        assertThrows(ParameterException.class, () -> resolve(args.split(" ")));
    }

    @Test
    void badValueExitsWithTwoAndSaysWhy() {
        StringWriter err = new StringWriter();
        CommandLine cl = ForkdCommand.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("serve", "--workers", "-1"));
        assertTrue(err.toString().contains("--workers must be at least 1"), err.toString());
    }

    @Test
    void version() {
        StringWriter out = new StringWriter();
        CommandLine cl = ForkdCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--version"));
        assertTrue(out.toString().startsWith("forkd "), out.toString());
    }
}
