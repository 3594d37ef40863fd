package dev.forkd.supervisor.launch;

import dev.forkd.supervisor.pool.WorkerProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.ServeConfig;
import dev.forkd.supervisor.cli.ServeCommand;
import dev.forkd.shared.WorkerContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The worker's command line, built from a configuration parsed as `forkd serve` parses it. */
class WorkerLauncherTest {
    private static final Path CONTROL = Path.of("/tmp/control.sock");

    private static List<String> commandLine(String... serveArgs) {
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.parseArgs(serveArgs);
        ServeConfig config = cl.<ServeCommand>getCommand().resolve();
        WorkerLauncher launcher = new WorkerLauncher(dev.forkd.supervisor.PartSettings.launch(config), CONTROL);
        return List.of(launcher.commandLine(new WorkerProcess(1, Path.of("/tmp/x.sock"), 1)).toStrings());
    }

    /** The value that follows {@code option}, which must occur exactly once. */
    private static String valueOf(List<String> args, String option) {
        assertEquals(1, args.stream().filter(option::equals).count(), option + " once in " + args);
        int i = args.indexOf(option);
        assertTrue(i + 1 < args.size(), option + " has a value");
        return args.get(i + 1);
    }

    @Test
    void jvmOptionsComeBeforeTheMainClassAndWorkerOptionsAfter() {
        List<String> args = commandLine("--handler", "echo");
        assertTrue(args.get(0).endsWith("/bin/java"), args.get(0));
        int main = args.indexOf(WorkerContract.MAIN_CLASS);
        assertEquals("dev.forkd.worker.WorkerMain", WorkerContract.MAIN_CLASS);
        assertTrue(main > 0, "the main class is named: " + args);
        for (String opt : WorkerLauncher.DEFAULT_JVM_OPTIONS) {
            int at = args.indexOf(opt);
            assertTrue(at > 0 && at < main, opt + " is a JVM option, before the main class: " + args);
        }
        assertTrue(args.indexOf("-XX:+ExitOnOutOfMemoryError") < main);
        assertTrue(args.indexOf("-Xmx128m") < main);
        assertTrue(args.contains("-Dorg.apache.logging.log4j.simplelog.level=INFO"), args.toString());
        int cp = args.indexOf("-cp");
        assertTrue(cp > 0 && cp < main, "the class path is given to the JVM");
        assertEquals(System.getProperty("java.class.path"), args.get(cp + 1));
        assertTrue(args.indexOf(WorkerContract.OPT_ID) > main, "worker options follow the main class");
    }

    @Test
    void theArchiveIsMappedInPlaceOnlyOnJdksKnownToHaveTheFlag() {
        for (int jdk : new int[] {17, 21, 25}) {
            List<String> opts = WorkerLauncher.defaultJvmOptions(jdk);
            int unlock = opts.indexOf("-XX:+UnlockDiagnosticVMOptions");
            assertTrue(unlock >= 0 && unlock < opts.indexOf("-XX:ArchiveRelocationMode=0"), "JDK " + jdk + ": " + opts);
        }
        List<String> later = WorkerLauncher.defaultJvmOptions(26);
        assertTrue(later.stream().noneMatch(o -> o.contains("ArchiveRelocationMode") || o.contains("Diagnostic")),
                "an unknown -XX option would stop every worker: " + later);
        assertTrue(later.contains("-XX:+UseSerialGC") && later.contains("-Xmx128m"), later.toString());
    }

    @Test
    void workerOptions() {
        List<String> args = commandLine("--handler", "echo", "--framing", "line", "--max-frame", "64KiB",
                "--heartbeat-timeout", "15s", "--buffer-size", "8KiB", "--log-level", "debug");
        assertEquals("1", valueOf(args, "--id"));
        assertEquals("/tmp/x.sock", valueOf(args, "--socket"));
        assertEquals("/tmp/control.sock", valueOf(args, "--control"));
        assertEquals("echo", valueOf(args, "--handler"));
        assertEquals("line", valueOf(args, "--framing"));
        assertEquals("65536", valueOf(args, "--max-frame"));
        assertEquals("15000", valueOf(args, "--heartbeat-timeout-ms"));
        assertEquals("8192", valueOf(args, "--buffer-size"));
        assertTrue(args.contains("-Dorg.apache.logging.log4j.simplelog.level=DEBUG"), args.toString());
        assertFalse(args.contains("--threaded"), "prefork workers serve one connection at a time");
        assertFalse(args.contains("--worker-classpath"), "no user class path unless given");
    }

    @Test
    void defaultsReachTheWorker() {
        List<String> args = commandLine();
        assertEquals("upper", valueOf(args, "--handler"));
        assertEquals("raw", valueOf(args, "--framing"));
        assertEquals("1048576", valueOf(args, "--max-frame"));
        assertEquals("90000", valueOf(args, "--heartbeat-timeout-ms"));
        assertEquals("0", valueOf(args, "--fixed-size"));
    }

    @Test
    void fixedFramingPassesTheRecordSize() {
        List<String> args = commandLine("--framing", "fixed", "--fixed-size", "16");
        assertEquals("fixed", valueOf(args, "--framing"));
        assertEquals("16", valueOf(args, "--fixed-size"));
    }

    @Test
    void aZeroHeartbeatTimeoutIsPassedAsOff() {
        assertEquals("0", valueOf(commandLine("--framing", "length", "--heartbeat-timeout", "0"), "--heartbeat-timeout-ms"));
    }

    @Test
    void threadedWorkersAreToldSo() {
        assertTrue(commandLine("--model", "threaded").contains("--threaded"));
        assertFalse(commandLine("--model", "iterative").contains("--threaded"));
        assertFalse(commandLine("--model", "prefork").contains("--threaded"));
    }

    @Test
    void eventedWorkersAreToldSoAndNothingElse() {
        List<String> evented = commandLine("--model", "evented");
        assertTrue(evented.contains("--evented"));
        assertFalse(evented.contains("--threaded"));
        for (String m : new String[] {"threaded", "prefork", "iterative", "fork-per-connection"}) {
            assertFalse(commandLine("--model", m).contains("--evented"), m);
        }
    }

    @Test
    void aUserClassPathIsPassedWhenGiven() {
        List<String> args = commandLine("--handler", "com.example.MyHandler", "--worker-classpath", "/opt/my handler.jar:/opt/classes");
        assertEquals("com.example.MyHandler", valueOf(args, "--handler"));
        assertEquals("/opt/my handler.jar:/opt/classes", valueOf(args, "--worker-classpath"),
                "one argument, spaces and all: no shell in between");
    }

    @Test
    void chaosIsPassedOnOnlyWhenEnabled() {
        List<String> chaos = commandLine("--handler", "chaos", "--enable-chaos");
        assertEquals("chaos", valueOf(chaos, "--handler"));
        assertEquals("line", valueOf(chaos, "--framing"), "chaos commands are lines");
        assertEquals(1, chaos.stream().filter(WorkerContract.OPT_ENABLE_CHAOS::equals).count(), chaos.toString());
        assertTrue(chaos.indexOf(WorkerContract.OPT_ENABLE_CHAOS) > chaos.indexOf(WorkerContract.MAIN_CLASS), "a worker option");
        assertFalse(commandLine().contains(WorkerContract.OPT_ENABLE_CHAOS), "off by default");
    }

    @Test
    void handlerSpeaksFirstIsPassedOnOnlyWhenGiven() {
        List<String> told = commandLine("--handler-speaks-first");
        assertTrue(told.indexOf(WorkerContract.OPT_HANDLER_SPEAKS_FIRST) > told.indexOf(WorkerContract.MAIN_CLASS), "a worker option");
        assertFalse(commandLine().contains(WorkerContract.OPT_HANDLER_SPEAKS_FIRST), "off by default");
    }
}
