package dev.forkd.supervisor;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One worker JVM. Fields are written on the pool's thread; the volatile ones are also read by the
 * data path and the status endpoint.
 */
final class WorkerProcess implements Dispatcher.Target {
    final int id;
    final Path socket;
    final int capacity;
    final long launchedNanos = System.nanoTime();
    volatile WorkerState state = WorkerState.STARTING;
    volatile long pid = -1;
    volatile Process process;
    volatile long readyNanos;
    volatile ControlSession control;
    volatile long lastPongNanos;
    volatile long served;
    /** Connections of this worker that its own end closed first, with when the last did; for crash accounting. */
    volatile long lastWorkerEndedNanos;
    volatile int recentWorkerEnded;
    /** When the pool started stopping it (TERM, then KILL by elapsed time); 0 if not. */
    long stopRequestedNanos;
    boolean termSent;
    boolean killSent;

    WorkerProcess(int id, Path socket, int capacity) {
        this.id = id;
        this.socket = socket;
        this.capacity = capacity;
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

    boolean everReady() {
        return readyNanos != 0;
    }

    Optional<ProcessHandle> handle() {
        Process p = process;
        return p == null ? Optional.empty() : Optional.of(p.toHandle());
    }

    String label() {
        return "worker " + id + " (pid " + pid + ")";
    }

    @Override
    public String toString() {
        return label();
    }
}
