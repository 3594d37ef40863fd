package dev.forkd.supervisor.launch;

import dev.forkd.supervisor.pool.WorkerPool;
import dev.forkd.supervisor.pool.WorkerProcess;

import dev.forkd.shared.WorkerContract;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteResultHandler;
import org.apache.commons.exec.PumpStreamHandler;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Starts worker JVMs with commons-exec: the same java binary and class path as the supervisor,
 * output pumped into the supervisor's log, and the exit reported asynchronously.
 */
public final class WorkerLauncher implements WorkerPool.Launcher {
    private static final Logger LOG = LogManager.getLogger(WorkerLauncher.class);

    /**
     * Fast boot and a small footprint; an OutOfMemoryError becomes an exit (and a restart), never a
     * zombie. The JIT's options come from {@link WorkerJit}, per model.
     */
    static final List<String> DEFAULT_JVM_OPTIONS = defaultJvmOptions(Runtime.version().feature());

    static List<String> defaultJvmOptions(int jdkFeature) {
        List<String> opts = new java.util.ArrayList<>(List.of(
            "-XX:+UseSerialGC",
            "-XX:-UsePerfData",
            "-Xss512k",
            "-Xms4m",
            "-Xmx128m",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            // log4j's simple logger: plain "LEVEL message" lines on stderr, which the supervisor
            // logs with its own configuration; it starts in a tenth of the time log4j-core takes
            "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory",
            "-Dorg.apache.logging.log4j.simplelog.logFile=system.err",
            "-Dorg.apache.logging.log4j.simplelog.showlogname=false",
            "-Dorg.apache.logging.log4j.simplelog.showShortLogname=false",
            "-Dorg.apache.logging.log4j.simplelog.showdatetime=false"));
        if (jdkFeature >= 17 && jdkFeature <= 25) {
            // Since 17.0.x and 21, the JDK maps its class-data archive at a random address and
            // relocates every pointer in it, which dirties ~10 MiB of otherwise shared pages in
            // each worker (PSS 24.7 -> 17.2 MiB here). Mapping at the archive's own address keeps
            // them shared between workers. A diagnostic flag, so only on JDKs known to have it:
            // an unknown -XX option would stop every worker from starting.
            opts.add("-XX:+UnlockDiagnosticVMOptions");
            opts.add("-XX:ArchiveRelocationMode=0");
        }
        return List.copyOf(opts);
    }

    private final LaunchSettings settings;
    /** Changed by the pool thread when the runtime directory moves; later workers get the new path. */
    private volatile Path controlSocket;
    private final String javaBinary;
    private final String classPath;
    private final WorkerClassArchive archive;

    public WorkerLauncher(LaunchSettings settings, Path controlSocket) {
        this(settings, controlSocket, WorkerClassArchive.disabled());
    }

    public WorkerLauncher(LaunchSettings settings, Path controlSocket, WorkerClassArchive archive) {
        this.settings = settings;
        this.controlSocket = controlSocket;
        this.javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.classPath = System.getProperty("java.class.path");
        this.archive = archive;
    }

    /** The runtime directory moved: workers launched from now on report to {@code path}. */
    @Override
    public void controlSocket(Path path) {
        this.controlSocket = path;
    }

    /** The class-data archive of this supervisor's workers, found in the cache directory (or made later). */
    public static WorkerClassArchive archiveFor(LaunchSettings settings) {
        return WorkerClassArchive.locate(System.getenv(), System.getProperty("java.class.path"), archiveKey(settings));
    }

    /**
     * What an archive is made for: every JVM option a worker starts with (an archive made under
     * other flags may be refused by the JVM), and what decides which of forkd's classes a worker
     * loads on its way to serving. An event-loop worker trained as a blocking one, or a json
     * worker as an upper one, would load dozens of classes from the jar that its own archive holds.
     */
    static List<String> archiveKey(LaunchSettings settings) {
        List<String> key = new java.util.ArrayList<>(jvmOptions(settings));
        key.add("handler=" + settings.handler());
        key.add("framing=" + settings.framing());
        key.add("concurrency=" + settings.concurrency());
        key.add("worker-classpath=" + settings.workerClasspath());
        key.add("chaos=" + settings.enableChaos());
        key.add("handler-speaks-first=" + settings.handlerSpeaksFirst());
        return List.copyOf(key);
    }

    /** The JVM options of every worker and of the training run, the user's last so that they win (the archive's apart). */
    static List<String> jvmOptions(LaunchSettings settings) {
        List<String> all = new java.util.ArrayList<>(forkdOptions(settings));
        all.addAll(settings.jvmOptions());
        return List.copyOf(all);
    }

    /** forkd's own JVM options: the defaults and the JIT's. */
    private static List<String> forkdOptions(LaunchSettings settings) {
        List<String> all = new java.util.ArrayList<>(DEFAULT_JVM_OPTIONS);
        all.addAll(settings.jit().jvmOptions());
        return all;
    }

    /** Logs, once at start, which JIT the workers run with. */
    public static void announce(LaunchSettings settings) {
        LOG.info("workers' JIT: {}{}", settings.jit().description(),
                WorkerJit.userJitOption(settings.jvmOptions()).map(o -> " (" + o + ")").orElse(""));
    }

    /** Makes the workers' class-data archive in the background, if there is none yet. */
    public void prepareClassArchive() {
        archive.prepare(this::trainingCommand);
    }

    public void stop() {
        archive.stop();
    }

    CommandLine commandLine(WorkerProcess w) {
        CommandLine cmd = new CommandLine(javaBinary);
        for (String opt : forkdOptions(settings)) {
            cmd.addArgument(opt, false);
        }
        for (String opt : archive.jvmOptions()) {
            cmd.addArgument(opt, false);
        }
        // after forkd's, so that a user's -Xmx, GC or -Xshare choice wins
        for (String opt : settings.jvmOptions()) {
            cmd.addArgument(opt, false);
        }
        cmd.addArgument("-Dorg.apache.logging.log4j.simplelog.level=" + settings.logLevel(), false);
        cmd.addArgument("-cp", false).addArgument(classPath, false);
        cmd.addArgument(WorkerContract.MAIN_CLASS, false);
        cmd.addArgument(WorkerContract.OPT_ID, false).addArgument(Integer.toString(w.id), false);
        cmd.addArgument(WorkerContract.OPT_SOCKET, false).addArgument(w.socket.toString(), false);
        cmd.addArgument(WorkerContract.OPT_CONTROL, false).addArgument(controlSocket.toString(), false);
        addProtocol(cmd);
        return cmd;
    }

    /** A worker's {@code --train} run, like a real worker but writing a class-data archive to {@code archiveFile} on exit. */
    List<String> trainingCommand(Path archiveFile) {
        CommandLine cmd = new CommandLine(javaBinary);
        for (String opt : jvmOptions(settings)) {
            cmd.addArgument(opt, false);
        }
        cmd.addArgument("-XX:ArchiveClassesAtExit=" + archiveFile, false);
        cmd.addArgument("-Dorg.apache.logging.log4j.simplelog.level=" + settings.logLevel(), false);
        cmd.addArgument("-cp", false).addArgument(classPath, false);
        cmd.addArgument(WorkerContract.MAIN_CLASS, false);
        cmd.addArgument(WorkerContract.OPT_TRAIN, false);
        addProtocol(cmd);
        List<String> all = new java.util.ArrayList<>();
        all.add(cmd.getExecutable());
        all.addAll(List.of(cmd.getArguments()));
        return all;
    }

    private void addProtocol(CommandLine cmd) {
        cmd.addArgument(WorkerContract.OPT_HANDLER, false).addArgument(settings.handler(), false);
        cmd.addArgument(WorkerContract.OPT_BUFFER_SIZE, false).addArgument(Integer.toString(settings.bufferSize()), false);
        cmd.addArgument(WorkerContract.OPT_FRAMING, false).addArgument(settings.framing(), false);
        cmd.addArgument(WorkerContract.OPT_MAX_FRAME, false).addArgument(Integer.toString(settings.maxFrame()), false);
        cmd.addArgument(WorkerContract.OPT_FIXED_SIZE, false).addArgument(Integer.toString(settings.fixedSize()), false);
        cmd.addArgument(WorkerContract.OPT_HEARTBEAT_TIMEOUT_MS, false).addArgument(Long.toString(settings.heartbeatTimeout().toMillis()), false);
        if (settings.workerClasspath() != null) {
            cmd.addArgument(WorkerContract.OPT_WORKER_CLASSPATH, false).addArgument(settings.workerClasspath(), false);
        }
        if (settings.enableChaos()) {
            cmd.addArgument(WorkerContract.OPT_ENABLE_CHAOS, false);
        }
        if (settings.handlerSpeaksFirst()) {
            cmd.addArgument(WorkerContract.OPT_HANDLER_SPEAKS_FIRST, false);
        }
        if (settings.concurrency() == WorkerConcurrency.THREAD_PER_CONNECTION) {
            cmd.addArgument(WorkerContract.OPT_THREADED, false);
        } else if (settings.concurrency() == WorkerConcurrency.EVENT_LOOP) {
            cmd.addArgument(WorkerContract.OPT_EVENTED, false);
        }
        cmd.addArgument(WorkerContract.OPT_OUTBOX, false).addArgument(Integer.toString(settings.outbox()), false);
    }

    /** Launches {@code w}; {@code onExit} gets the exit value (128 + N for signal N) on a commons-exec thread. */
    @Override
    public void launch(WorkerProcess w, IntConsumer onExit) throws IOException {
        DefaultExecutor executor = new CapturingExecutor(w);
        executor.setStreamHandler(new PumpStreamHandler(new WorkerLogStream(w, false), new WorkerLogStream(w, true)));
        // every exit value is an outcome for the pool to judge, not an executor failure
        executor.setExitValues(null);
        executor.execute(commandLine(w), new ExecuteResultHandler() {
            @Override
            public void onProcessComplete(int exitValue) {
                onExit.accept(exitValue);
            }

            @Override
            public void onProcessFailed(ExecuteException e) {
                LOG.error("worker {}: {}", w.id, e.getMessage());
                onExit.accept(e.getExitValue());
            }
        });
    }

    /** commons-exec hides the Process; the pool needs it for the pid and for TERM/KILL. */
    private static final class CapturingExecutor extends DefaultExecutor {
        private final WorkerProcess worker;

        @SuppressWarnings("deprecation")
        CapturingExecutor(WorkerProcess worker) {
            super();
            this.worker = worker;
        }

        @Override
        protected Process launch(CommandLine command, Map<String, String> env, File dir) throws IOException {
            return capture(super.launch(command, env, dir));
        }

        @Override
        protected Process launch(CommandLine command, Map<String, String> env, Path dir) throws IOException {
            return capture(super.launch(command, env, dir));
        }

        private Process capture(Process p) {
            worker.started(p);
            return p;
        }
    }
}
