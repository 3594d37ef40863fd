package dev.forkd.supervisor.rundir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleRuntimeDirsTest {
    @TempDir
    Path tmp;

    @Test
    void removesOnlyRealDirectoriesOfDeadPidsAndFollowsNoLinks() throws Exception {
        Path dead = Files.createDirectories(tmp.resolve("forkd-111-abc/sub"));
        Files.writeString(dead.resolve("f"), "x");
        Path deadXdg = Files.createDirectory(tmp.resolve("forkd-112"));
        Path live = Files.createDirectory(tmp.resolve("forkd-222-abc"));
        Path other = Files.createDirectory(tmp.resolve("forkd-notapid"));
        Path target = Files.createDirectory(tmp.resolve("target"));
        Files.writeString(target.resolve("keep"), "x");
        Path link = Files.createSymbolicLink(tmp.resolve("forkd-113-abc"), target);

        int n = new StaleRuntimeDirs(pid -> pid == 222).clean(List.of(tmp, tmp.resolve("missing")));

        assertEquals(2, n);
        assertFalse(Files.exists(tmp.resolve("forkd-111-abc")));
        assertFalse(Files.exists(deadXdg));
        assertTrue(Files.isDirectory(live), "its supervisor runs");
        assertTrue(Files.isDirectory(other), "not a forkd name");
        assertTrue(Files.isSymbolicLink(link), "a link is not a directory of ours");
        assertTrue(Files.exists(target.resolve("keep"), LinkOption.NOFOLLOW_LINKS));
    }
}
