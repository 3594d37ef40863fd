package dev.forkd.tools.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorCommandLineTest {
    private static final CrashConfig CONFIG = new CrashConfig(List.of(Model.values()), 4, 20, Duration.ofSeconds(30), Duration.ofSeconds(2),
            CrashKind.KILL9, 7, 5, Path.of("report"));

    @Test
    void fromTheJarItIsJavaDashJar(@TempDir Path dir) throws Exception {
        Path jar = Files.createFile(dir.resolve("forkd.jar"));
        assertEquals(List.of(Path.of("/opt/jdk", "bin", "java").toString(), "-jar", jar.toString()),
                SupervisorCommandLine.java("/opt/jdk", jar.toString()));
    }

    @Test
    void fromAClassPathItIsTheMainClass() {
        String cp = "target/classes" + java.io.File.pathSeparator + "lib/picocli.jar";
        assertEquals(List.of(Path.of("/opt/jdk", "bin", "java").toString(), "-cp", cp, "dev.forkd.supervisor.cli.ForkdMain"),
                SupervisorCommandLine.java("/opt/jdk", cp));
    }

    @Test
    void serveRunsChaosWithAnAdminEndpoint() {
        String args = String.join(" ", SupervisorCommandLine.serve(Model.PREFORK, CONFIG));
        assertTrue(args.startsWith("serve --port 0 --model prefork --workers 4 --handler chaos --enable-chaos --admin 127.0.0.1:0"), args);
        assertTrue(args.contains("--max-restarts 1000000"), args);
        assertTrue(args.contains("--worker-heartbeat 200ms --worker-timeout 10s"), "a starved worker is no hang: " + args);
        assertTrue(args.contains("--queue-timeout 90s"), "the duration plus a minute: " + args);
        assertTrue(args.contains("--queue 80"), "four per client: " + args);
    }

    @Test
    void hangsAreDetectedWithinASecond() {
        CrashConfig hang = new CrashConfig(CONFIG.models(), 4, 20, CONFIG.duration(), CONFIG.crashEvery(), CrashKind.HANG, 7, 5, CONFIG.out());
        assertTrue(String.join(" ", SupervisorCommandLine.serve(Model.PREFORK, hang)).contains("--worker-heartbeat 200ms --worker-timeout 1s"));
    }

    @Test
    void overTlsEachSupervisorServesTheCertificateAndTheClientsSpeakTls() {
        CrashConfig tls = new CrashConfig(CONFIG.models(), 4, 20, CONFIG.duration(), CONFIG.crashEvery(), CrashKind.KILL9, 7, 5, CONFIG.out(),
                Path.of("site.pem"), Path.of("site.key"));
        assertTrue(String.join(" ", SupervisorCommandLine.serve(Model.PREFORK, tls)).endsWith("--tls-cert site.pem --tls-key site.key"));
        assertTrue(tls.commandLine().endsWith("--tls-cert site.pem --tls-key site.key"), "the report's command line repeats the run: " + tls.commandLine());
        assertTrue(tls.clientTls() != null);
        assertTrue(CONFIG.clientTls() == null);
        assertTrue(!String.join(" ", SupervisorCommandLine.serve(Model.PREFORK, CONFIG)).contains("--tls"));
    }

    @Test
    void iterativeHasOneWorker() {
        assertTrue(String.join(" ", SupervisorCommandLine.serve(Model.ITERATIVE, CONFIG)).contains("--model iterative --workers 1 "));
        assertTrue(String.join(" ", SupervisorCommandLine.serve(Model.FORK_PER_CONNECTION, CONFIG))
                .contains("--model fork-per-connection --workers 4 "));
    }
}
