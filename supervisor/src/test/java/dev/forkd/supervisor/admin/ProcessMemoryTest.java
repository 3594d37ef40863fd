package dev.forkd.supervisor.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessMemoryTest {
    @Test
    void aProcessThatIsGoneOrHasNoPidYetGivesNothing(@TempDir Path proc) throws Exception {
        ProcessMemory m = new ProcessMemory(proc);
        Files.createDirectories(proc.resolve("77"));
        // a name that is not UTF-8 or ASCII must not fail the read
        Files.write(proc.resolve("77").resolve("status"), ("Name:\t\u00ff\u00fe\n" + "VmRSS:\t 8 kB\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertEquals(8192L, m.rssBytes(77));
        assertNull(m.rssBytes(78), "gone");
        assertNull(m.rssBytes(-1), "not started yet");
        assertNull(m.rssBytes(0));
        // unreadable: a directory where the file should be
        Files.createDirectories(proc.resolve("79").resolve("status"));
        assertNull(m.rssBytes(79));
    }

    @Test
    void thisProcessHasSomeOnLinux() {
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            Long rss = new ProcessMemory().rssBytes(ProcessHandle.current().pid());
            assertTrue(rss != null && rss > 1024 * 1024, String.valueOf(rss));
        }
    }
}
