package dev.forkd.supervisor.cli;

import dev.forkd.supervisor.relay.KeepAlive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.Model;
import dev.forkd.supervisor.ServeConfig;
import dev.forkd.shared.framing.Framing;
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
        assertEquals(Duration.ZERO, c.shutdownDelay(), "no delay unless asked: a stop closes the listener at once, as before");
        assertEquals("INFO", c.logLevel());
        assertNull(c.runtimeDir());
        assertEquals(Framing.RAW, c.framing());
        assertFalse(c.enableChaos());
    }

    @Test
    void helpNamesEverySignalServeHandles() {
        String help = new CommandLine(new ServeCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String signal : new String[] {"TERM", "INT", "HUP", "TTIN", "TTOU"}) {
            assertTrue(help.contains(signal), signal + " in: " + help);
        }
    }

    @Test
    void chaosNeedsEnableChaos() {
        ParameterException e = assertThrows(ParameterException.class, () -> resolve("--handler", "chaos"));
        assertEquals("--handler chaos needs --enable-chaos: it lets any client crash workers", e.getMessage());
    }

    @Test
    void chaosPicksLineFramingUnlessToldOtherwise() {
        ServeConfig c = resolve("--handler", "chaos", "--enable-chaos");
        assertTrue(c.enableChaos());
        assertEquals("chaos", c.handler());
        assertEquals(Framing.LINE, c.framing());
        assertEquals(Framing.LINE, resolve("--handler", "chaos", "--enable-chaos", "--framing", "line").framing());
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw", "length", "fixed", "json"})
    void chaosRefusesAnyOtherFramingEvenTheDefaultNamedExplicitly(String framing) {
        ParameterException e = assertThrows(ParameterException.class,
                () -> resolve("--handler", "chaos", "--enable-chaos", "--framing", framing, "--fixed-size", "8"));
        assertTrue(e.getMessage().startsWith("--handler chaos reads one command per line: use --framing line"), e.getMessage());
    }

    @Test
    void enableChaosAloneChangesNothingElse() {
        ServeConfig c = resolve("--enable-chaos");
        assertTrue(c.enableChaos());
        assertEquals("upper", c.handler());
        assertEquals(Framing.RAW, c.framing());
    }

    @Test
    void presets() {
        ServeConfig iterative = resolve("--model", "iterative");
        assertEquals(1, iterative.workers());
        assertEquals(1, iterative.connectionsPerWorker());

        ServeConfig threaded = resolve("--model", "threaded");
        assertEquals(2 * PROCESSORS, threaded.workers());
        assertEquals(1000, threaded.connectionsPerWorker());

        ServeConfig evented = resolve("--model", "evented");
        assertEquals(2 * PROCESSORS, evented.workers());
        assertEquals(10_000, evented.connectionsPerWorker());
        assertEquals(7, resolve("--model", "evented", "--connections-per-worker", "7").connectionsPerWorker());
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
        assertEquals(Duration.ofSeconds(5), resolve("--shutdown-delay", "5s").shutdownDelay());
        assertEquals(Duration.ofSeconds(10), c.restartWindow());
        assertEquals(64 * 1024, c.bufferSize());
        assertEquals("DEBUG", c.logLevel());
        assertEquals("com.example.Some", c.handler());
    }

    @Test
    void protocolDefaults() {
        ServeConfig c = resolve();
        assertEquals(Framing.RAW, c.framing());
        assertEquals(1024 * 1024, c.maxFrame());
        assertEquals(0, c.fixedSize(), "no record size outside fixed framing");
        assertEquals(Duration.ofSeconds(90), c.heartbeatTimeout());
        assertEquals(Duration.ofMinutes(5), c.idleTimeout());
        assertEquals(KeepAlive.off(), c.keepAlive());
        assertFalse(c.keepAlive().enabled());
        assertNull(c.workerClasspath());
    }

    @Test
    void framings() {
        assertEquals(Framing.RAW, resolve("--framing", "raw").framing());
        assertEquals(Framing.LINE, resolve("--framing", "line").framing());
        assertEquals(Framing.LENGTH, resolve("--framing", "length").framing());
        assertEquals(Framing.LINE, resolve("--framing", "LINE").framing(), "case does not matter");
        ServeConfig fixed = resolve("--framing", "fixed", "--fixed-size", "16");
        assertEquals(Framing.FIXED, fixed.framing());
        assertEquals(16, fixed.fixedSize());
        assertEquals(1024, resolve("--framing", "fixed", "--fixed-size", "1KiB").fixedSize());
        ServeConfig json = resolve("--framing", "json", "--max-frame", "64KiB", "--model", "threaded");
        assertEquals(Framing.JSON, json.framing());
        assertEquals(64 * 1024, json.maxFrame());
    }

    @Test
    void maxFrameTakesASize() {
        assertEquals(64 * 1024, resolve("--framing", "line", "--max-frame", "64KiB").maxFrame());
        assertEquals(100, resolve("--framing", "length", "--max-frame", "100").maxFrame());
    }

    @Test
    void httpHelloGoesWithRawFraming() {
        ServeConfig c = resolve("--handler", "http-hello");
        assertEquals("http-hello", c.handler());
        assertEquals(Framing.RAW, c.framing());
        assertEquals("http-hello", resolve("--handler", "http-hello", "--framing", "raw").handler());
    }

    @Test
    void theComputeHandlersNeedWholeMessages() {
        assertEquals("sha256", resolve("--handler", "sha256", "--framing", "length").handler());
        assertEquals("json", resolve("--handler", "json", "--framing", "line").handler());
        ParameterException e = assertThrows(ParameterException.class, () -> resolve("--handler", "json"));
        assertTrue(e.getMessage().contains("--handler json works on whole messages"), e.getMessage());
    }

    @Test
    void timeouts() {
        ServeConfig c = resolve("--framing", "line", "--heartbeat-timeout", "15s", "--idle-timeout", "1h");
        assertEquals(Duration.ofSeconds(15), c.heartbeatTimeout());
        assertEquals(Duration.ofHours(1), c.idleTimeout());
        assertEquals(Duration.ZERO, resolve("--heartbeat-timeout", "0").heartbeatTimeout(), "0 turns it off");
        assertEquals(Duration.ZERO, resolve("--idle-timeout", "0s").idleTimeout(), "0 turns it off");
    }

    @Test
    void keepAlive() {
        assertEquals(new KeepAlive(true, null, null, null), resolve("--keepalive").keepAlive(),
                "--keepalive alone keeps the system's timings");
        ServeConfig c = resolve("--keepalive", "--keepalive-idle", "30s", "--keepalive-interval", "5s", "--keepalive-count", "4");
        assertEquals(new KeepAlive(true, Duration.ofSeconds(30), Duration.ofSeconds(5), 4), c.keepAlive());
        assertEquals(new KeepAlive(true, Duration.ofMinutes(2), null, null),
                resolve("--keepalive", "--keepalive-idle", "2m").keepAlive());
    }

    @Test
    void workerClasspathIsPassedThrough() {
        ServeConfig c = resolve("--handler", "com.example.MyHandler", "--worker-classpath", "/opt/h.jar:/opt/classes");
        assertEquals("com.example.MyHandler", c.handler());
        assertEquals("/opt/h.jar:/opt/classes", c.workerClasspath());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--framing xml",
        "--framing fixed",
        "--framing fixed --fixed-size 0",
        "--framing fixed --fixed-size -8",
        "--fixed-size 8",
        "--framing line --fixed-size 8",
        "--framing length --fixed-size 8",
        "--max-frame 0",
        "--max-frame lots",
        "--handler http-hello --framing line",
        "--handler http-hello --framing length",
        "--handler http-hello --framing fixed --fixed-size 8",
        "--heartbeat-timeout -1s",
        "--heartbeat-timeout soon",
        "--idle-timeout 5x",
        "--keepalive-idle 30s",
        "--keepalive-interval 5s",
        "--keepalive-count 4",
        "--keepalive --keepalive-idle 500ms",
        "--keepalive --keepalive-interval 0s",
        "--keepalive --keepalive-count 0",
        "--keepalive --keepalive-count many",
    })
    void badProtocolOptionsAreRejected(String args) {
        assertThrows(ParameterException.class, () -> resolve(args.split(" ")));
    }

    @Test
    void keepAliveTimingsWithoutKeepAliveSayWhy() {
        StringWriter err = new StringWriter();
        CommandLine cl = ForkdCommand.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("serve", "--keepalive-idle", "30s"));
        assertTrue(err.toString().contains("go with --keepalive"), err.toString());
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
    void chaosWithoutEnableChaosExitsWithTwoAndSaysWhy() {
        StringWriter err = new StringWriter();
        CommandLine cl = ForkdCommand.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("serve", "--handler", "chaos"));
        assertTrue(err.toString().contains("--handler chaos needs --enable-chaos: it lets any client crash workers"), err.toString());
    }

    @Test
    void trustedProxiesAreCheckedAtStart() {
        assertEquals(java.util.List.of("127.0.0.0/8", "::1/128"), resolve("--accept-proxy").trustedProxies());
        assertEquals(java.util.List.of("10.0.0.0/8", "2001:db8::/32"),
                resolve("--accept-proxy", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "2001:db8::/32").trustedProxies());
        StringWriter err = new StringWriter();
        CommandLine cl = ForkdCommand.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("serve", "--accept-proxy", "--trusted-proxy", "10.0.0.0/33"));
        assertTrue(err.toString().contains("--trusted-proxy: prefix length 33 of '10.0.0.0/33' is longer than the address (32 bits)"),
                err.toString());
        assertThrows(ParameterException.class, () -> resolve("--accept-proxy", "--trusted-proxy", "haproxy.internal"));
    }

    @Test
    void gunicornsShortFlagsWAndB() throws Exception {
        assertEquals(3, resolve("-w", "3").workers());
        ServeConfig c = resolve("-b", "0.0.0.0:8000");
        assertEquals("0.0.0.0", c.host());
        assertEquals(8000, c.port());
        ServeConfig v6 = resolve("--bind", "[::1]:9000");
        assertEquals(java.net.InetAddress.getByName("::1"), java.net.InetAddress.getByName(v6.host()));
        assertEquals(9000, v6.port());
        ServeConfig portOnly = resolve("-b", ":7000");
        assertEquals("127.0.0.1", portOnly.host(), "the default host");
        assertEquals(7000, portOnly.port());
        String help = new CommandLine(new ServeCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(help.contains("-w, --workers=N"), help);
        assertTrue(help.contains("-b, --bind=HOST:PORT"), help);
    }

    @Test
    void bindWithHostOrPortOrWithoutAPortIsRefused() {
        for (String[] args : new String[][] {{"-b", "0.0.0.0:8000", "--port", "8000"}, {"--host", "::1", "-b", "127.0.0.1:8000"}}) {
            ParameterException e = assertThrows(ParameterException.class, () -> resolve(args), String.join(" ", args));
            assertEquals("-b/--bind sets the host and the port together: leave out --host and --port", e.getMessage());
        }
        assertEquals("-b/--bind: '0.0.0.0' is not HOST:PORT (write IPv6 as [::1]:PORT)",
                assertThrows(ParameterException.class, () -> resolve("-b", "0.0.0.0")).getMessage());
        assertEquals("-b/--bind: port 70000 is out of range",
                assertThrows(ParameterException.class, () -> resolve("-b", "127.0.0.1:70000")).getMessage());
    }

    @Test
    void aDurationWithoutItsUnitIsABadCommandLine() {
        StringWriter err = new StringWriter();
        CommandLine cl = ForkdCommand.commandLine();
        cl.setErr(new PrintWriter(err));
        // `--idle-timeout 5` was 5 seconds without a word
        assertEquals(2, cl.execute("serve", "--idle-timeout", "5"));
        assertTrue(err.toString().contains("'5' has no unit: write 5s for seconds (or 5ms, 5m, 5h, 5d)"), err.toString());
        assertEquals(Duration.ofSeconds(5), resolve("--idle-timeout", "5s").idleTimeout());
        assertEquals(Duration.ZERO, resolve("--idle-timeout", "0").idleTimeout(), "a bare 0 still turns it off");
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
