package dev.forkd.supervisor.admin;

import dev.forkd.shared.ProcStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A process's resident memory, as the kernel counts it: the {@code VmRSS} line of
 * /proc/PID/status (kB), for /status and the status page. Read on each request: a few hundred
 * bytes per worker, and no cache to go stale across a worker's replacement.
 */
final class ProcessMemory {
    private static final Logger LOG = LogManager.getLogger(ProcessMemory.class);

    private final Path proc;

    ProcessMemory() {
        this(Path.of("/proc"));
    }

    /** {@code proc}: where the per-process directories are; replaceable in tests. */
    ProcessMemory(Path proc) {
        this.proc = proc;
    }

    /**
     * Resident bytes of {@code pid}; null if it has none yet (-1), is gone, or the kernel does not
     * say (no /proc, a kernel thread). Read as Latin-1: the Name line may hold any bytes.
     */
    Long rssBytes(long pid) {
        if (pid <= 0) {
            return null;
        }
        String status;
        try {
            status = Files.readString(proc.resolve(Long.toString(pid)).resolve("status"), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return null; // the worker exited since the pool's snapshot, or no /proc (not Linux): nothing to show
        } catch (IOException e) {
            LOG.debug("cannot read the memory of pid {}: {}", pid, e.toString());
            return null;
        }
        OptionalLong rss = ProcStatus.rssBytes(status);
        return rss.isPresent() ? rss.getAsLong() : null;
    }
}
