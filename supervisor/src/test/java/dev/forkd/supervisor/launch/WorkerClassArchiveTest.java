package dev.forkd.supervisor.launch;

import dev.forkd.supervisor.pool.WorkerProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.ServeConfig;
import dev.forkd.supervisor.cli.ServeCommand;
import dev.forkd.shared.WorkerContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
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
        WorkerLauncher launcher = new WorkerLauncher(dev.forkd.supervisor.PartSettings.launch(config), Path.of("/tmp/control.sock"), archive);

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

    @Test
    void theStartLineSaysWhetherTheArchiveIsUsedAndWhyNot(@TempDir Path tmp) throws Exception {
        assertEquals("class-data archive for workers: off, FORKD_CACHE_DIR=off; workers start without one (slower)",
                WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", "off"), "x.jar", List.of()).describe());

        Path dir = tmp.resolve("cache");
        WorkerClassArchive missing = WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", dir.toString()), "x.jar", List.of());
        assertEquals(WorkerClassArchive.State.MISSING, missing.state());
        assertEquals("class-data archive for workers: none yet; it is made in the background once the workers are up, as "
                + missing.file(), missing.describe());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), "made for forkd's user only");

        Files.writeString(missing.file(), "an archive");
        WorkerClassArchive found = WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", dir.toString()), "x.jar", List.of());
        assertEquals(WorkerClassArchive.State.IN_USE, found.state());
        assertEquals("class-data archive for workers: in use, " + found.file(), found.describe());
    }

    /** The Docker user's home was /nonexistent: forkd could not make ~/.cache/forkd, and said nothing. */
    @Test
    void aCacheDirectoryThatCannotBeMadeTurnsTheArchiveOffWithTheReason(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        WorkerClassArchive a = WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", file.resolve("forkd").toString()), "x.jar", List.of());
        assertEquals(WorkerClassArchive.State.OFF, a.state());
        assertEquals(List.of(), a.jvmOptions());
        assertTrue(a.describe().startsWith("class-data archive for workers: off, cannot "), a.describe());
        assertTrue(a.describe().contains(file.resolve("forkd").toString()), a.describe());
        assertTrue(a.describe().endsWith("; set FORKD_CACHE_DIR to a directory only forkd's user can write; workers start without one (slower)"),
                a.describe());
    }

    /** A worker maps the archive as code: a directory that others can write to would let them run code in every worker. */
    @Test
    void aCacheDirectoryOthersCanWriteToIsNotUsed(@TempDir Path tmp) throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(shared.resolve(WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", tmp.toString()), "x.jar", List.of())
                .file().getFileName().toString()), "planted");
        WorkerClassArchive a = WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", shared.toString()), "x.jar", List.of());
        assertEquals(WorkerClassArchive.State.OFF, a.state());
        assertEquals(List.of(), a.jvmOptions(), "the planted archive is not mapped");
        assertTrue(a.describe().contains("the cache directory " + shared + " is writable by other users (rwxrwxrwx)"), a.describe());
    }

    @Test
    void aCacheDirectoryOfAnotherUserIsNotUsed(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(dev.forkd.shared.RuntimeDirs.selfUid() == 0, "chown needs root (as in CI)");
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", 65534);
        WorkerClassArchive a = WorkerClassArchive.locate(Map.of("FORKD_CACHE_DIR", theirs.toString()), "x.jar", List.of());
        assertEquals(WorkerClassArchive.State.OFF, a.state());
        assertTrue(a.describe().contains("the cache directory " + theirs + " belongs to uid 65534, not to forkd's user"), a.describe());
    }

    @Test
    void aLockLeftByAForkdThatIsGoneIsTakenOverAndOneOfALiveForkdIsNot(@TempDir Path tmp) throws Exception {
        Path lock = tmp.resolve("worker-x.jsa.lock");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(lock, Long.toString(gone.pid()));
        assertTrue(WorkerClassArchive.claimLock(lock, 42), "its maker is gone: a fresh lock is taken over");
        assertEquals("42", Files.readString(lock));

        long live = ProcessHandle.current().parent().orElseThrow().pid();
        Files.writeString(lock, Long.toString(live));
        assertFalse(WorkerClassArchive.claimLock(lock, 42), "a live maker keeps its lock");

        Files.writeString(lock, "");
        assertFalse(WorkerClassArchive.claimLock(lock, 42), "a fresh lock naming nobody is held, as before");

        Files.delete(lock);
        assertTrue(WorkerClassArchive.claimLock(lock, 42));
        assertEquals("42", Files.readString(lock));
    }
}
