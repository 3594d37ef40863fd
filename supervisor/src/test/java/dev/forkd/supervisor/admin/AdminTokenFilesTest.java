package dev.forkd.supervisor.admin;

import dev.forkd.supervisor.common.AdminTokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenFilesTest {
    @Test
    void tokensAreLongRandomAndHeaderSafe() {
        String a = AdminTokens.generate();
        assertEquals(43, a.length(), "32 bytes in base64url without padding");
        assertTrue(a.matches("[A-Za-z0-9_-]+"));
        assertNotEquals(a, AdminTokens.generate());
    }

    @Test
    void perUserPathPrefersXdgRuntimeDir() {
        assertEquals(Path.of("/run/user/1000/forkd/admin-9901.token"),
                AdminTokens.perUserFile(AdminTokens.perUserDir(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), "/tmp", 1000), 9901));
        assertEquals(Path.of("/tmp/forkd-admin-1000/admin-9901.token"),
                AdminTokens.perUserFile(AdminTokens.perUserDir(Map.of(), "/tmp", 1000), 9901));
    }

    @Test
    void writesBothFiles0600AndRemovesThem(@TempDir Path tmp) throws Exception {
        Path runtime = Files.createDirectory(tmp.resolve("run"));
        Path xdg = Files.createDirectory(tmp.resolve("xdg"));
        AdminTokenFiles files = AdminTokenFiles.publish("tok", runtime, 4242, Map.of("XDG_RUNTIME_DIR", xdg.toString()), "/nowhere");
        Path perUser = xdg.resolve("forkd/admin-4242.token");
        assertEquals(List.of(runtime.resolve("admin.token"), perUser), files.written());
        for (Path f : files.written()) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS)));
            assertEquals("tok\n", Files.readString(f));
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(xdg.resolve("forkd"))));
        int uid = AdminTokens.selfUid();
        assertEquals(perUser, AdminTokens.find(4242, Map.of("XDG_RUNTIME_DIR", xdg.toString()), "/nowhere", uid, tmp.resolve("none")));
        assertNull(AdminTokens.find(4243, Map.of("XDG_RUNTIME_DIR", xdg.toString()), "/nowhere", uid, tmp.resolve("none")));
        assertEquals(runtime.resolve("admin.token"),
                AdminTokens.find(4243, Map.of("XDG_RUNTIME_DIR", xdg.toString()), "/nowhere", uid, runtime.resolve("admin.token")));
        files.close();
        assertFalse(Files.exists(perUser));
        assertFalse(Files.exists(runtime.resolve("admin.token")));
    }

    @Test
    void aLeftoverOfOursIsReplacedButALinkIsNeverFollowed(@TempDir Path tmp) throws Exception {
        Path runtime = Files.createDirectory(tmp.resolve("run"));
        Path target = Files.writeString(tmp.resolve("victim"), "keep");
        Files.createSymbolicLink(runtime.resolve("admin.token"), target);
        AdminTokenFiles files = AdminTokenFiles.publish("tok", runtime, 4242, Map.of("XDG_RUNTIME_DIR", tmp.toString()), "/nowhere");
        assertEquals("keep", Files.readString(target), "the link's target is untouched");
        assertFalse(Files.isSymbolicLink(runtime.resolve("admin.token")));
        assertEquals("tok\n", Files.readString(runtime.resolve("admin.token")));
        files.close();
    }

    @Test
    void aPerUserDirThatIsALinkOrTooOpenIsNotUsed(@TempDir Path tmp) throws Exception {
        int uid = AdminTokens.selfUid();
        Path real = Files.createDirectory(tmp.resolve("real"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertNotNull(AdminTokenFiles.ensurePrivateDir(link, uid));
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertNotNull(AdminTokenFiles.ensurePrivateDir(open, uid));
        assertNotNull(AdminTokenFiles.ensurePrivateDir(real, uid + 1), "someone else's");
        assertNull(AdminTokenFiles.ensurePrivateDir(real, uid));
        assertNull(AdminTokenFiles.ensurePrivateDir(tmp.resolve("fresh"), uid));
    }
}
