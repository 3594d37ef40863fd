package dev.forkd.supervisor.rundir;

import dev.forkd.shared.RuntimeDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Removes the runtime directories that supervisors killed with -9 left behind
 * ({@code /tmp/forkd-PID-RANDOM}, {@code $XDG_RUNTIME_DIR/forkd-PID}): only real directories (not
 * links) owned by this user, whose pid is not running, and whose control socket answers no one.
 */
public final class StaleRuntimeDirs {
    private static final Logger LOG = LogManager.getLogger(StaleRuntimeDirs.class);
    private static final Pattern NAME = Pattern.compile("forkd-(\\d{1,10})(-[0-9a-z]+)?");

    private final LongPredicate alive;

    public StaleRuntimeDirs() {
        this(pid -> ProcessHandle.of(pid).isPresent());
    }

    StaleRuntimeDirs(LongPredicate alive) {
        this.alive = alive;
    }

    /** Removes the stale directories in {@code parents}; returns how many. */
    public int clean(List<Path> parents) {
        int self;
        try {
            self = RuntimeDirs.selfUid();
        } catch (IOException e) {
            LOG.debug("not looking for stale runtime directories: {}", e.toString());
            return 0;
        }
        int removed = 0;
        for (Path parent : parents) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, "forkd-*")) {
                for (Path dir : ds) {
                    if (stale(dir, self) && remove(dir)) {
                        removed++;
                    }
                }
            } catch (IOException e) {
                // a parent we cannot list (gone, not ours): nothing of ours to clean there
                LOG.debug("not looking for stale runtime directories in {}: {}", parent, e.toString());
            }
        }
        return removed;
    }

    private boolean stale(Path dir, int self) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) {
            return false;
        }
        long pid = Long.parseLong(m.group(1));
        try {
            return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    && RuntimeDirs.uid(dir) == self
                    && pid != ProcessHandle.current().pid()
                    && !alive.test(pid)
                    && !ControlProbe.answers(RuntimeDirs.controlSocket(dir));
        } catch (IOException e) {
            // gone meanwhile or unreadable: not ours to judge
            return false;
        }
    }

    private static boolean remove(Path dir) {
        try {
            RuntimeDirs.deleteRecursively(dir);
            LOG.debug("removed the stale runtime directory {}", dir);
            return true;
        } catch (IOException e) {
            LOG.warn("cannot remove the stale runtime directory {}: {}", dir, e.toString());
            return false;
        }
    }
}
