package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
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
    void createExclusiveMakesAPrivateDirectoryAndRefusesAnExistingPath() throws IOException {
        Path dir = tmp.resolve("a/b/forkd-1");
        Object key = RuntimeDirs.createExclusive(dir);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertTrue(RuntimeDirs.isSame(dir, key));
        assertThrows(FileAlreadyExistsException.class, () -> RuntimeDirs.createExclusive(dir), "second call finds it");
    }

    @Test
    void createExclusiveRefusesASymlinkAndLeavesItsTargetAlone() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path link = Files.createSymbolicLink(tmp.resolve("forkd-1"), target);
        assertThrows(FileAlreadyExistsException.class, () -> RuntimeDirs.createExclusive(link));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    }

    @Test
    void adoptTightensAnExistingDirectoryOfOurs() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Object key = RuntimeDirs.adopt(dir);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertTrue(RuntimeDirs.isSame(dir, key));
    }

    @Test
    void adoptRefusesASymlinkWithoutTouchingItsTarget() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        IOException e = assertThrows(RuntimeDirs.NotOurs.class, () -> RuntimeDirs.adopt(link));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertFalse(RuntimeDirs.isSame(link, Files.readAttributes(target, java.nio.file.attribute.BasicFileAttributes.class).fileKey()),
                "a link to a directory is not that directory");
    }

    @Test
    void adoptRefusesAnotherUsersDirectoryWithoutTouchingIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(RuntimeDirs.selfUid() == 0, "giving a directory away needs root");
        Path dir = Files.createDirectory(tmp.resolve("theirs"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(dir, "unix:uid", 65534);
        IOException e = assertThrows(RuntimeDirs.NotOurs.class, () -> RuntimeDirs.adopt(dir));
        assertTrue(e.getMessage().contains("owned by uid 65534"), e.getMessage());
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals(65534, RuntimeDirs.uid(dir));
    }

    @Test
    void adoptRefusesAFile() throws IOException {
        Path file = Files.createFile(tmp.resolve("file"));
        IOException e = assertThrows(IOException.class, () -> RuntimeDirs.adopt(file));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void createUnderAFileBlamesTheFile() throws IOException {
        Path file = Files.createFile(tmp.resolve("file"));
        Path dir = file.resolve("forkd-1");
        IOException e = assertThrows(IOException.class, () -> RuntimeDirs.createExclusive(dir));
        assertFalse(e.getMessage().contains(dir + " exists"), "misleading: " + e.getMessage());
    }

    @Test
    void freshIsANewRandomNameBesideTheOldOne() {
        Path old = Path.of("/tmp/forkd-42-abc");
        Path a = RuntimeDirs.fresh(old, 42);
        assertEquals(old.getParent(), a.getParent());
        assertTrue(a.getFileName().toString().matches("forkd-42-[0-9a-z]+"), a.toString());
        assertNotEquals(a, RuntimeDirs.fresh(old, 42));
        assertNotEquals(old, a);
    }

    @Test
    void givenMeansExplicitOrSystemd() {
        assertTrue(RuntimeDirs.given(Path.of("/srv/x"), Map.of()));
        assertTrue(RuntimeDirs.given(null, Map.of("RUNTIME_DIRECTORY", "/run/forkd")));
        assertFalse(RuntimeDirs.given(null, Map.of("RUNTIME_DIRECTORY", " ", "XDG_RUNTIME_DIR", "/run/user/0")));
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
        RuntimeDirs.createExclusive(dir);
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
            RuntimeDirs.createExclusive(dir);
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
