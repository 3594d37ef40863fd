package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeDirsTest {
    @TempDir
    Path tmp;

    @Test
    void explicitWinsAndIsMadeAbsolute() {
        Map<String, String> env = Map.of("RUNTIME_DIRECTORY", "/run/forkd", "XDG_RUNTIME_DIR", "/run/user/1000");
        assertEquals(Path.of("/srv/forkd"), RuntimeDirs.choose(Path.of("/srv/forkd"), env, 42));
        Path rel = RuntimeDirs.choose(Path.of("rt"), env, 42);
        assertTrue(rel.isAbsolute());
        assertEquals(Path.of("rt").toAbsolutePath(), rel);
    }

    @Test
    void systemdRuntimeDirectoryComesNextAndItsFirstEntryIsOurs() {
        assertEquals(Path.of("/run/forkd"),
                RuntimeDirs.choose(null, Map.of("RUNTIME_DIRECTORY", "/run/forkd", "XDG_RUNTIME_DIR", "/run/user/1000"), 42));
        assertEquals(Path.of("/run/forkd"), RuntimeDirs.choose(null, Map.of("RUNTIME_DIRECTORY", "/run/forkd:/run/other"), 42));
    }

    @Test
    void thenXdgRuntimeDirWithOurPid() {
        assertEquals(Path.of("/run/user/1000/forkd-42"), RuntimeDirs.choose(null, Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 42));
        assertEquals(Path.of("/run/user/1000/forkd-42"),
                RuntimeDirs.choose(null, Map.of("RUNTIME_DIRECTORY", " ", "XDG_RUNTIME_DIR", "/run/user/1000"), 42));
    }

    @Test
    void elseAFreshDirectoryUnderTmp() {
        Path tmpdir = Path.of(System.getProperty("java.io.tmpdir"));
        Path a = RuntimeDirs.choose(null, Map.of(), 42);
        Path b = RuntimeDirs.choose(null, Map.of("XDG_RUNTIME_DIR", ""), 42);
        for (Path p : new Path[] {a, b}) {
            assertEquals(tmpdir, p.getParent());
            assertTrue(p.getFileName().toString().matches("forkd-42-[0-9a-z]+"), p.toString());
        }
        assertNotEquals(a, b, "a guessable name in /tmp could be taken over");
    }

    @Test
    void createMakesAPrivateDirectoryAndSaysItDidSo() throws IOException {
        Path dir = tmp.resolve("a/b/forkd-1");
        assertTrue(RuntimeDirs.create(dir));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertFalse(RuntimeDirs.create(dir), "second call finds it");
    }

    @Test
    void createTightensAnExistingDirectory() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertFalse(RuntimeDirs.create(dir));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    }

    @Test
    void createRefusesAFile() throws IOException {
        Path file = Files.createFile(tmp.resolve("file"));
        IOException e = assertThrows(IOException.class, () -> RuntimeDirs.create(file));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void createUnderAFileBlamesTheFile() throws IOException {
        Path file = Files.createFile(tmp.resolve("file"));
        Path dir = file.resolve("forkd-1");
        IOException e = assertThrows(IOException.class, () -> RuntimeDirs.create(dir));
        assertFalse(e.getMessage().contains(dir + " exists"), "misleading: " + e.getMessage());
    }

    @Test
    void socketNames() {
        Path dir = Path.of("/run/forkd");
        assertEquals(Path.of("/run/forkd/worker-3.sock"), RuntimeDirs.workerSocket(dir, 3));
        assertEquals(Path.of("/run/forkd/control.sock"), RuntimeDirs.controlSocket(dir));
    }

    @Test
    void deleteRecursivelyRemovesEverythingButFollowsNoLinks() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path keep = Files.writeString(outside.resolve("keep"), "x");
        Path dir = tmp.resolve("rt");
        RuntimeDirs.create(dir);
        Files.writeString(RuntimeDirs.workerSocket(dir, 1), "");
        Files.createDirectories(dir.resolve("sub/deeper"));
        Files.writeString(dir.resolve("sub/deeper/f"), "y");
        Files.createSymbolicLink(dir.resolve("link"), outside);

        RuntimeDirs.deleteRecursively(dir);
        assertFalse(Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(keep), "the link's target is not ours to delete");
    }

    @Test
    void deleteRecursivelyOfNothingIsFine() throws IOException {
        RuntimeDirs.deleteRecursively(tmp.resolve("never-made"));
    }

    @Test
    void deleteRecursivelyToleratesSocketsRemovedMeanwhile() throws Exception {
        // workers remove their own sockets while the supervisor cleans up: the goal is reached either way
        for (int round = 0; round < 100; round++) {
            Path dir = tmp.resolve("race-" + round);
            RuntimeDirs.create(dir);
            for (int i = 0; i < 200; i++) {
                Files.writeString(RuntimeDirs.workerSocket(dir, i), "");
            }
            Thread worker = new Thread(() -> {
                for (int i = 199; i >= 0; i--) {
                    try {
                        Files.deleteIfExists(RuntimeDirs.workerSocket(dir, i));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            worker.start();
            try {
                RuntimeDirs.deleteRecursively(dir);
            } finally {
                worker.join();
            }
            assertFalse(Files.exists(dir), "round " + round);
        }
    }
}
