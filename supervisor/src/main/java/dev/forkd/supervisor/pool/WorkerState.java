package dev.forkd.supervisor.pool;

/** A worker's life, as the pool sees it. */
public enum WorkerState {
    /** Launched; has not said ready on the control channel yet. */
    STARTING,
    /** Takes connections. */
    READY,
    /** Takes no new connections; exits when its live ones end. */
    DRAINING,
    /** Told to stop, or being killed. */
    STOPPING,
    /** The process has exited. */
    EXITED
}
