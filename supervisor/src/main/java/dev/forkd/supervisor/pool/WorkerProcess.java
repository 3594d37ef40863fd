package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.control.ControlSession;
import dev.forkd.supervisor.dispatch.Dispatcher;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One worker JVM. Fields are written on the pool's thread; the volatile ones are also read by the
 * data path and the status endpoint.
 */
public final class WorkerProcess implements Dispatcher.Target {
    public final int id;
    public final Path socket;
    final int capacity;
    final long assignmentLimit;
    public final long launchedNanos = System.nanoTime();
    public final java.time.Instant launchedAt = java.time.Instant.now();
    /** The pool position it fills (1..N), kept across replacements so that restarts can be counted per position. */
    public volatile int slot;
    /** The pool's reload generation when it was launched; on the pool thread only. */
    int generation;
    public volatile WorkerState state = WorkerState.STARTING;
    public volatile long pid = -1;
    volatile Process process;
    volatile long readyNanos;
    volatile ControlSession control;
    volatile long lastPongNanos;
    /** Connections it has served; incremented under this object's lock (relay threads), read without it. */
    public volatile long served;
    /** Its slot releases held until it proves alive, and the connections it would take down; set by the pool before launch. */
    volatile SlotProofs proofs;
    /** When the pool started stopping it (TERM, then KILL by elapsed time); 0 if not. */
    long stopRequestedNanos;
    boolean termSent;
    boolean killSent;

    /** Why it is being replaced (recycle, reload), or null; it still serves until its replacement is ready. */
    volatile RestartReason replaceReason;
    /** Why it was drained or stopped: the reason its exit is counted under; null if the pool did not end it. */
    volatile RestartReason exitReason;
    /** The same in words, for the log (which way its socket was lost, say). */
    volatile String exitDetail;
    long drainStartedNanos;
    /** Why its socket is not trusted (another user answered there), set once, by the first connection that found out. */
    public final java.util.concurrent.atomic.AtomicReference<String> distrusted = new java.util.concurrent.atomic.AtomicReference<>();

    public WorkerProcess(int id, Path socket, int capacity) {
        this(id, socket, capacity, Long.MAX_VALUE);
    }

    WorkerProcess(int id, Path socket, int capacity, long assignmentLimit) {
        this.id = id;
        this.socket = socket;
        this.capacity = capacity;
        this.assignmentLimit = assignmentLimit;
    }

    @Override
    public long assignmentLimit() {
        return assignmentLimit;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public Path socket() {
        return socket;
    }

    /**
     * Ready and serving, but its replacement has been asked for (recycle, reload): it drains once
     * that replacement is ready. Not a {@link WorkerState} of its own: the dispatcher, the
     * heartbeat and /status treat it as ready, which it is.
     */
    boolean awaitingReplacement() {
        return state == WorkerState.READY && replaceReason != null;
    }

    /** Holds its pool slot: not on its way out (replaced, draining) and not gone. */
    boolean holdsSlot() {
        return replaceReason == null && state != WorkerState.DRAINING && state != WorkerState.EXITED;
    }

    /** Its process is started: the pool needs it for the pid and for TERM/KILL. */
    public void started(Process p) {
        process = p;
        pid = p.pid();
    }

    boolean everReady() {
        return readyNanos != 0;
    }

    Optional<ProcessHandle> handle() {
        Process p = process;
        return p == null ? Optional.empty() : Optional.of(p.toHandle());
    }

    public String label() {
        return "worker " + id + " (pid " + pid + ")";
    }

    @Override
    public String toString() {
        return label();
    }
}
