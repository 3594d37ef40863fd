package dev.forkd.tools.experiment;

import dev.forkd.supervisor.cli.ForkdMain;
import dev.forkd.supervisor.Model;
import dev.forkd.shared.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The `forkd serve` command line the crash experiment starts for each model. */
final class SupervisorCommandLine {
    /** Past the load's end, queued clients still wait rather than time out: a queue timeout would be a loss the model did not cause. */
    static final Duration QUEUE_TIMEOUT_MARGIN = Duration.ofSeconds(60);

    private SupervisorCommandLine() {
    }

    /**
     * This JVM's java and forkd: `java -jar forkd.jar` when we run from the jar (its class path is
     * then just the jar), else the same class path and main class (from an IDE or the test classes).
     */
    static List<String> java(String javaHome, String classPath) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(javaHome, "bin", "java").toString());
        boolean oneJar = !classPath.contains(java.io.File.pathSeparator) && classPath.endsWith(".jar") && Files.isRegularFile(Path.of(classPath));
        if (oneJar) {
            cmd.add("-jar");
            cmd.add(Path.of(classPath).toAbsolutePath().toString());
        } else {
            cmd.add("-cp");
            cmd.add(classPath);
            cmd.add(ForkdMain.class.getName());
        }
        return cmd;
    }

    /**
     * {@code serve} with the chaos handler, an ephemeral port and admin endpoint. Hang detection is
     * fast (a 1 s worker timeout) only when hangs are what is injected: on a starved machine a
     * worker can miss a second of heartbeats, and its kill would be counted against the model.
     */
    static List<String> serve(Model model, CrashConfig c) {
        List<String> args = new ArrayList<>(List.of("serve",
                "--port", "0",
                "--model", model.cliName,
                "--workers", Integer.toString(c.workersFor(model)),
                "--handler", "chaos",
                "--enable-chaos",
                "--admin", "127.0.0.1:0",
                // every crash is a restart; the experiment wants them all replaced, never a give-up
                "--max-restarts", "1000000",
                "--worker-heartbeat", "200ms",
                "--worker-timeout", c.kind() == CrashKind.HANG ? "1s" : "10s",
                "--queue-timeout", Durations.format(c.duration().plus(QUEUE_TIMEOUT_MARGIN)),
                "--queue", Integer.toString(c.clients() * 4),
                // the load has stopped by then; only a worker still hung could hold the stop up
                "--graceful-timeout", "5s"));
        if (c.tlsCert() != null) {
            args.addAll(List.of("--tls-cert", c.tlsCert().toString(), "--tls-key", c.tlsKey().toString()));
        }
        return List.copyOf(args);
    }
}
