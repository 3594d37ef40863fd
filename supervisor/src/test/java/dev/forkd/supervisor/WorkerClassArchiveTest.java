package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.WorkerContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Where the workers' class-data archive lives, what it is keyed on, and how workers are started with it. */
class WorkerClassArchiveTest {

    @Test
    void cacheDirectoryFromTheEnvironment() {
        assertEquals(Path.of("/var/cache/x"), WorkerClassArchive.cacheDir(Map.of("FORKD_CACHE_DIR", "/var/cache/x")));
        assertNull(WorkerClassArchive.cacheDir(Map.of("FORKD_CACHE_DIR", "off", "XDG_CACHE_HOME", "/c")));
        assertEquals(Path.of("/c", "forkd"), WorkerClassArchive.cacheDir(Map.of("XDG_CACHE_HOME", "/c")));
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "forkd"), WorkerClassArchive.cacheDir(Map.of()));
    }

    @Test
    void theNameChangesWithTheOptionsAndTheJar(@TempDir Path tmp) throws Exception {
        Path jar = tmp.resolve("forkd.jar");
        Files.writeString(jar, "one");
        String a = WorkerClassArchive.fingerprint(jar.toString(), List.of("-Xmx128m"));
        assertEquals(a, WorkerClassArchive.fingerprint(jar.toString(), List.of("-Xmx128m")));
        assertNotEquals(a, WorkerClassArchive.fingerprint(jar.toString(), List.of("-Xmx256m")));
        Files.writeString(jar, "a new build");
        assertNotEquals(a, WorkerClassArchive.fingerprint(jar.toString(), List.of("-Xmx128m")));
    }

    @Test
    void noArchiveNoOptions(@TempDir Path tmp) {
        WorkerClassArchive none = WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", tmp.toString()), "x.jar", List.of());
        assertFalse(none.usable());
        assertEquals(List.of(), none.jvmOptions());
        assertEquals(List.of(), WorkerClassArchive.disabled().jvmOptions());
    }

    @Test
    void workersMapTheArchiveBeforeTheUsersOptionsAndTheTrainingRunWritesIt(@TempDir Path tmp) throws Exception {
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.parseArgs("--handler", "echo", "--worker-jvm-opt=-Xshare:off");
        ServeConfig config = cl.<ServeCommand>getCommand().resolve();
        WorkerClassArchive probe = WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", tmp.toString()), "x.jar", List.of());
        Files.writeString(probe.file(), "an archive");
        WorkerClassArchive archive = WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", tmp.toString()), "x.jar", List.of());
        assertTrue(archive.usable());
        WorkerLauncher launcher = new WorkerLauncher(config, Path.of("/tmp/control.sock"), archive);

        List<String> worker = List.of(launcher.commandLine(new WorkerProcess(1, Path.of("/tmp/x.sock"), 1)).toStrings());
        int shared = worker.indexOf("-XX:SharedArchiveFile=" + archive.file());
        assertTrue(shared > 0, worker.toString());
        assertTrue(shared < worker.indexOf("-Xshare:off"), "the user's options come later, so they win: " + worker);
        assertTrue(worker.indexOf("-Xshare:off") < worker.indexOf(WorkerContract.MAIN_CLASS));

        Path out = tmp.resolve("new.jsa");
        List<String> training = launcher.trainingCommand(out);
        assertTrue(training.contains("-XX:ArchiveClassesAtExit=" + out), training.toString());
        assertTrue(training.contains(WorkerContract.OPT_TRAIN), training.toString());
        assertFalse(training.stream().anyMatch(s -> s.startsWith("-XX:SharedArchiveFile")), training.toString());
        assertFalse(training.contains(WorkerContract.OPT_SOCKET), "the training run makes its own sockets: " + training);
        assertEquals("echo", training.get(training.indexOf(WorkerContract.OPT_HANDLER) + 1));
    }
}
