package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.rundir.RuntimeDirectory;
import dev.forkd.supervisor.rundir.SocketOwner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The runtime directory can be deleted under a running supervisor (rm -rf, a tmp cleaner, a
 * service manager's RuntimeDirectory removed by hand), and the sockets go with it. Streams
 * already open keep working, but no new stream can reach a worker by its path and no new worker
 * can bind its socket or reach the control socket: left alone, every new connection would wait in
 * the queue until it timed out, for good. So, on the heartbeat and whenever a worker cannot be
 * reached, this recreates the directory (0700), binds the control socket again, and has every
 * worker whose socket is gone replaced: those serving connections drain (they finish them; they
 * can take no new ones anyway); those still booting are stopped. On the pool thread only.
 */
public final class RuntimeDirRecovery {
    private static final Logger LOG = LogManager.getLogger(RuntimeDirRecovery.class);

    /** The supervisor's control socket, which workers find by path. */
    public interface ControlSocket {
        /** Binds it again if its file is gone; true if it did. */
        boolean restoreIfGone() throws IOException;

        /** The runtime directory moved: bind at {@code path} from now on. */
        default void moveTo(Path path) throws IOException {
            throw new IOException("cannot move the control socket");
        }
    }

    private final SocketOwner socketOwner = new SocketOwner();
    private final RuntimeDirectory dir;
    private final PoolActions pool;
    /** Told the control socket's new path when the directory moved: replacements are launched with it. */
    private final java.util.function.Consumer<Path> controlSocketMoved;
    private volatile ControlSocket controlSocket = () -> false;
    private boolean lossReported;
    private final RateLimitedLog failures = new RateLimitedLog(LOG, Level.ERROR, 10, TimeUnit.SECONDS);

    RuntimeDirRecovery(RuntimeDirectory dir, PoolActions pool, java.util.function.Consumer<Path> controlSocketMoved) {
        this.dir = dir;
        this.pool = pool;
        this.controlSocketMoved = controlSocketMoved;
    }

    void controlSocket(ControlSocket socket) {
        this.controlSocket = socket;
    }

    /** The directory is gone or not ours any more, or its control socket's file is gone. */
    boolean lost() {
        return !dir.intact() || !Files.exists(dir.controlSocket(), LinkOption.NOFOLLOW_LINKS);
    }

    /** The directory is lost, or {@code w}'s socket is in one forkd moved away from: why a worker may fail to boot. */
    boolean lostFor(WorkerProcess w) {
        return lost() || !inRuntimeDir(w);
    }

    /** Its socket is in the current runtime directory (not one forkd moved away from). */
    boolean inRuntimeDir(WorkerProcess w) {
        return dir.path().equals(w.socket.getParent());
    }

    /** {@code w}'s listening socket is held by {@code pid} alone; logs it when another process has bound that path. */
    boolean ownsSocket(WorkerProcess w, long pid) {
        if (socketOwner.check(w.socket, pid) != SocketOwner.Verdict.NOT_HELD) {
            return true;
        }
        try (var ctx = WorkerLogContext.of(w)) {
            LOG.error("{}: the listening socket at {} is not (only) its own: another process has bound that path; "
                    + "not using it, replacing it", w.label(), w.socket);
        }
        return false;
    }

    /** After {@code w} exited: removes its socket file, if it is its own. */
    void removeSocket(WorkerProcess w) {
        try {
            // only its own: a file another user put at the path (an impostor's socket) is evidence, not ours to delete
            if (w.distrusted.get() == null && inRuntimeDir(w)) {
                Files.deleteIfExists(w.socket);
            }
        } catch (IOException e) {
            // a stale socket is replaced by the next bind; worth a line, not a failure
            LOG.debug("removing {}: {}", w.socket, e.toString());
        }
    }

    /** On the heartbeat and when a worker could not boot or be reached: repairs a lost directory. */
    void check() {
        if (pool.stopping() || !lost()) {
            return;
        }
        if (!lossReported) {
            LOG.error("{} was deleted under the running supervisor: no new connection can reach a worker; "
                    + "recreating it (mode 0700) and replacing every worker", dir.intact()
                    ? "the control socket in " + dir.path() : "the runtime directory " + dir.path());
            lossReported = true;
        }
        try {
            if (dir.restore() == RuntimeDirectory.Change.MOVED) {
                // replacements get the new path on their command line; old workers keep their control channels
                controlSocketMoved.accept(dir.controlSocket());
                controlSocket.moveTo(dir.controlSocket());
            } else {
                controlSocket.restoreIfGone();
            }
        } catch (IOException e) {
            failures.log("cannot recreate the runtime directory {} ({}): no worker can be reached or started; "
                    + "trying again at the next heartbeat", dir.path(), e.toString());
            return;
        }
        lossReported = false;
        for (WorkerProcess w : new ArrayList<>(pool.workers())) {
            if (w.state == WorkerState.STARTING) {
                // it may have bound its socket in the old directory, which no one can reach
                pool.stop(w, RestartReason.SOCKET, "runtime directory deleted");
            } else if (w.state == WorkerState.READY && (!inRuntimeDir(w) || !Files.exists(w.socket, LinkOption.NOFOLLOW_LINKS))) {
                // a socket left in a directory forkd moved away from is someone else's path now, even if a file is there
                pool.drain(w, RestartReason.SOCKET, "runtime directory deleted");
            }
        }
        pool.reconcile();
    }

    /** The dispatcher could not open a stream to {@code w} and took it out. */
    void unreachable(WorkerProcess w) {
        check();
        if (w.distrusted.get() != null) {
            // another user answered at its socket (logged once by WorkerPeerCheck): its replacement binds a fresh one
            if (!pool.stopping() && w.state == WorkerState.READY) {
                pool.drain(w, RestartReason.SOCKET, "socket answered by another user");
                pool.reconcile();
            }
            return;
        }
        if (pool.stopping() || w.state != WorkerState.READY || Files.exists(w.socket, LinkOption.NOFOLLOW_LINKS)
                || !w.handle().map(ProcessHandle::isAlive).orElse(false)) {
            // a socket that is there but refuses belongs to a worker on its way out: its exit is what the pool acts on
            return;
        }
        try (var ctx = WorkerLogContext.of(w)) {
            LOG.error("{}: its socket {} was deleted, so no connection can reach it; replacing it", w.label(), w.socket);
        }
        pool.drain(w, RestartReason.SOCKET, "socket deleted");
        pool.reconcile();
    }
}
