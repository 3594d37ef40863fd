package dev.forkd.supervisor.rundir;

import dev.forkd.shared.RuntimeDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The supervisor's runtime directory over its life: made (or, when given, checked) at start, and
 * made again if it is deleted while forkd runs. A directory forkd chose itself (in /tmp or
 * $XDG_RUNTIME_DIR) whose path someone else takes meanwhile is given up for a fresh random name:
 * what another user made is never chmodded or used. Changed on the pool thread only; read anywhere.
 */
public final class RuntimeDirectory {
    private static final Logger LOG = LogManager.getLogger(RuntimeDirectory.class);
    /** Tries at a fresh name before giving up for this heartbeat; a collision of random names is already unlikely. */
    private static final int FRESH_TRIES = 5;

    /** Given (--runtime-dir, $RUNTIME_DIRECTORY): a fixed path the operator chose. Chosen: forkd's own, which may move. */
    enum Kind { GIVEN, CHOSEN }

    /** What {@link #restore()} did. */
    public enum Change { NONE, RECREATED, MOVED }

    /** Another live forkd uses the directory. */
    public static final class InUse extends IOException {
        private static final long serialVersionUID = 1L;

        InUse(String message) {
            super(message);
        }
    }

    private final Kind kind;
    private final long pid;
    private volatile Path path;
    /** The identity (fileKey) of the directory at {@link #path} that is ours. */
    private volatile Object key;
    /** This process made the directory at {@link #path}, so deletes it on exit; else only its sockets. */
    private volatile boolean made;

    private RuntimeDirectory(Kind kind, long pid, Path path, Object key, boolean made) {
        this.kind = kind;
        this.pid = pid;
        this.path = path;
        this.key = key;
        this.made = made;
    }

    /**
     * Makes or checks the directory at start. A given directory that exists must be ours and not
     * a link; if a live forkd's control socket answers in it, this one must not start.
     */
    public static RuntimeDirectory open(Path explicit, Map<String, String> env, long pid) throws IOException {
        Path dir = RuntimeDirs.choose(explicit, env, pid);
        if (RuntimeDirs.given(explicit, env)) {
            try {
                return new RuntimeDirectory(Kind.GIVEN, pid, dir, RuntimeDirs.createExclusive(dir), true);
            } catch (FileAlreadyExistsException e) {
                Object key = RuntimeDirs.adopt(dir);
                clearLeftovers(dir);
                return new RuntimeDirectory(Kind.GIVEN, pid, dir, key, false);
            }
        }
        for (int i = 0; ; i++) {
            try {
                return new RuntimeDirectory(Kind.CHOSEN, pid, dir, RuntimeDirs.createExclusive(dir), true);
            } catch (FileAlreadyExistsException e) {
                if (i >= FRESH_TRIES) {
                    throw e;
                }
                LOG.warn("{} exists already ({}); using a fresh name", dir, describe(dir));
                dir = RuntimeDirs.fresh(dir, pid);
            }
        }
    }

    /**
     * A forkd killed with -9 leaves its sockets behind. If the control socket still answers, a
     * forkd is alive here; if not, the sockets are stale and go (a worker would replace its own,
     * but a stale control.sock must not be mistaken for a live one later).
     */
    private static void clearLeftovers(Path dir) throws IOException {
        Path control = RuntimeDirs.controlSocket(dir);
        if (ControlProbe.answers(control)) {
            throw new InUse("another forkd is running with the runtime directory " + dir + " (its control socket "
                    + control + " answers); stop it or give this one another --runtime-dir");
        }
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "{control,worker-*}.sock")) {
            for (Path p : ds) {
                if (Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        if (n > 0) {
            LOG.info("removed {} stale socket(s) from {}, left by a forkd that did not stop cleanly", n, dir);
        }
    }

    public Path path() {
        return path;
    }

    public Path controlSocket() {
        return RuntimeDirs.controlSocket(path);
    }

    public Path workerSocket(int id) {
        return RuntimeDirs.workerSocket(path, id);
    }

    /** The directory at the path is still the one this process made or checked. */
    public boolean intact() {
        return RuntimeDirs.isSame(path, key);
    }

    /**
     * On the pool thread, after the directory was found gone or replaced: makes it again at the
     * same path if that is free (or, when given, if what is there now is ours), else, for a
     * directory forkd chose, at a fresh name.
     *
     * @throws IOException if no directory could be made; the caller tries again later
     */
    public Change restore() throws IOException {
        if (intact()) {
            return Change.NONE;
        }
        Path at = path;
        try {
            key = RuntimeDirs.createExclusive(at);
            made = true;
            return Change.RECREATED;
        } catch (FileAlreadyExistsException e) {
            if (kind == Kind.GIVEN) {
                // the operator's path: use it if it is ours (systemd made it again), else report and retry
                key = RuntimeDirs.adopt(at);
                made = false;
                return Change.RECREATED;
            }
        }
        String who = describe(at);
        Path next = RuntimeDirs.fresh(at, pid);
        Object nextKey = null;
        for (int i = 0; nextKey == null; i++) {
            try {
                nextKey = RuntimeDirs.createExclusive(next);
            } catch (FileAlreadyExistsException e) {
                if (i >= FRESH_TRIES) {
                    throw e;
                }
                next = RuntimeDirs.fresh(at, pid);
            }
        }
        LOG.error("the runtime directory {} was deleted and its path was taken by someone else ({}): not using it; "
                + "moving to {} and replacing every worker", at, who, next);
        key = nextKey;
        made = true;
        path = next;
        return Change.MOVED;
    }

    /** Who or what is at {@code p}, for the log; never follows a link. */
    private static String describe(Path p) {
        try {
            String what = Files.isSymbolicLink(p) ? "a symbolic link to " + Files.readSymbolicLink(p)
                    : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "a directory" : "a file";
            return what + " owned by uid " + RuntimeDirs.uid(p);
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    /** On exit: removes the directory if this process made it, else only its sockets; never what someone else put at the path. */
    public void cleanUp() {
        Path dir = path;
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!intact()) {
            LOG.warn("not cleaning up {}: it is not the directory this forkd made any more", dir);
            return;
        }
        try {
            if (made) {
                RuntimeDirs.deleteRecursively(dir);
            } else {
                // a directory we were given (e.g. systemd's RuntimeDirectory): remove only our sockets
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "{control,worker-*}.sock")) {
                    for (Path p : ds) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot clean up the runtime directory {}: {}", dir, e.toString());
        }
    }
}
