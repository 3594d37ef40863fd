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
    void noTlsFileReachesAWorker() {
        List<String> args = commandLine("--tls-cert", "/secret/site.pem", "--tls-key", "/secret/site.key", "--tls-client-ca", "/secret/ca.pem");
        assertTrue(args.stream().noneMatch(a -> a.contains("/secret") || a.startsWith("--tls")),
                "the key stays in the supervisor: " + args);
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
    void jsonFramingIsNamedAsTheWorkerReadsIt() {
        assertEquals("json", valueOf(commandLine("--framing", "json"), "--framing"));
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

    private static ServeConfig config(String... serveArgs) {
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.parseArgs(serveArgs);
        return cl.<ServeCommand>getCommand().resolve();
    }

    /** The JVM options of a worker, before its main class. */
    private static List<String> jvmPart(String... serveArgs) {
        List<String> args = commandLine(serveArgs);
        return args.subList(1, args.indexOf(WorkerContract.MAIN_CLASS));
    }

    private static boolean c1Only(List<String> jvm) {
        return jvm.contains("-XX:TieredStopAtLevel=1") && jvm.contains("-XX:CICompilerCount=1");
    }

    @Test
    void workersThatServeOneConnectionBootWithC1AloneAndLongLivedOnesGetC2() {
        assertTrue(c1Only(jvmPart("--model", "fork-per-connection")), "fork-per-connection keeps the fast-boot set");
        assertTrue(c1Only(jvmPart("--model", "prefork", "--recycle-after", "1")), "a worker recycled after one connection lives as short");
        for (String model : new String[] {"prefork", "threaded", "iterative"}) {
            List<String> jvm = jvmPart("--model", model);
            assertTrue(jvm.stream().noneMatch(o -> o.startsWith("-XX:TieredStopAtLevel")),
                    model + " workers live long: full tiered compilation: " + jvm);
            assertTrue(jvm.contains("-XX:CICompilerCount=2"), "one C1 and one C2 thread, the least tiered compilation takes: " + jvm);
        }
        assertFalse(c1Only(jvmPart("--model", "prefork", "--recycle-after", "1000")));
    }

    @Test
    void theUserChoosesTheJitWithTheFlag() {
        assertTrue(c1Only(jvmPart("--model", "threaded", "--worker-jit", "fast")));
        List<String> full = jvmPart("--model", "fork-per-connection", "--worker-jit", "full");
        assertTrue(full.stream().noneMatch(o -> o.startsWith("-XX:TieredStopAtLevel")) && full.contains("-XX:CICompilerCount=2"), full.toString());
        assertEquals(WorkerJit.AUTO, config().workerJit(), "auto unless told");
    }

    @Test
    void aJitOptionAmongTheUsersJvmOptionsDecidesAlone() {
        // C2 (a user's level 4) with forkd's single compiler thread would stop every worker at boot
        List<String> jvm = jvmPart("--model", "fork-per-connection", "--worker-jvm-opt=-XX:TieredStopAtLevel=4");
        assertTrue(jvm.contains("-XX:TieredStopAtLevel=4"), jvm.toString());
        assertEquals(1, jvm.stream().filter(o -> o.startsWith("-XX:TieredStopAtLevel")).count(), jvm.toString());
        assertTrue(jvm.stream().noneMatch(o -> o.startsWith("-XX:CICompilerCount")), jvm.toString());
        List<String> c1 = jvmPart("--model", "prefork", "--worker-jvm-opt=-XX:TieredStopAtLevel=1");
        assertEquals(1, c1.stream().filter(o -> o.startsWith("-XX:TieredStopAtLevel")).count(), c1.toString());
        List<String> counted = jvmPart("--model", "prefork", "--worker-jvm-opt=-XX:CICompilerCount=4");
        assertEquals(List.of("-XX:CICompilerCount=4"), counted.stream().filter(o -> o.startsWith("-XX:CICompilerCount")).toList());
        assertEquals(WorkerJit.USER, WorkerJit.AUTO.resolve(true, List.of("-Xint")));
        assertEquals(WorkerJit.FAST, WorkerJit.AUTO.resolve(true, List.of("-Xmx64m", "-XX:+UseParallelGC")),
                "options that do not touch the JIT leave the choice to forkd");
    }

    @Test
    void anExplicitJitAndAJitOptionTogetherAreABadCommandLine() {
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.parseArgs("--worker-jit", "fast", "--worker-jvm-opt", "-XX:-TieredCompilation");
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class,
                () -> cl.<ServeCommand>getCommand().resolve());
        assertTrue(e.getMessage().contains("--worker-jit fast and --worker-jvm-opt -XX:-TieredCompilation"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class,
                () -> new CommandLine(new ServeCommand()).parseArgs("--worker-jit", "c2"), "an unknown choice");
        org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class,
                () -> new CommandLine(new ServeCommand()).parseArgs("--worker-jit", "user"), "resolved only, never asked for");
    }

    @Test
    void theTrainingRunAndTheArchiveKeyUseTheWorkersJitOptions() {
        for (String model : new String[] {"fork-per-connection", "prefork"}) {
            dev.forkd.supervisor.launch.LaunchSettings s = dev.forkd.supervisor.PartSettings.launch(config("--model", model));
            WorkerLauncher launcher = new WorkerLauncher(s, CONTROL);
            List<String> training = launcher.trainingCommand(Path.of("/tmp/a.jsa"));
            List<String> worker = jvmPart("--model", model);
            assertEquals(worker.stream().filter(o -> o.contains("Tiered") || o.contains("CICompiler")).toList(),
                    training.stream().filter(o -> o.contains("Tiered") || o.contains("CICompiler")).toList(),
                    model + ": the archive is made under the workers' own JIT options");
        }
        String cp = System.getProperty("java.class.path");
        String fast = WorkerClassArchive.fingerprint(cp, WorkerLauncher.jvmOptions(
                dev.forkd.supervisor.PartSettings.launch(config("--model", "fork-per-connection"))));
        String full = WorkerClassArchive.fingerprint(cp, WorkerLauncher.jvmOptions(
                dev.forkd.supervisor.PartSettings.launch(config("--model", "prefork"))));
        org.junit.jupiter.api.Assertions.assertNotEquals(fast, full, "one archive per set of JIT options");
    }

    @Test
    void eachWayOfServingHasAnArchiveTrainedForIt() {
        String prefork = key("--model", "prefork");
        assertEquals(prefork, key("--model", "prefork"));
        assertEquals(prefork, key("--model", "prefork", "--buffer-size", "8192"), "a buffer size loads no other class");
        for (String[] other : new String[][] {{"--model", "evented"}, {"--model", "threaded"}, {"--model", "prefork", "--handler", "json", "--framing", "line"}, {"--model", "prefork", "--handler", "reverse"},
                {"--model", "prefork", "--framing", "line"}, {"--model", "prefork", "--handler", "chaos", "--enable-chaos"}}) {
            org.junit.jupiter.api.Assertions.assertNotEquals(prefork, key(other), String.join(" ", other));
        }
    }

    private static String key(String... args) {
        return WorkerClassArchive.fingerprint(System.getProperty("java.class.path"),
                WorkerLauncher.archiveKey(dev.forkd.supervisor.PartSettings.launch(config(args))));
    }
}
