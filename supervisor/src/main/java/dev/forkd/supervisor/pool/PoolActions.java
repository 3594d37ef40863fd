package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import java.util.Collection;

/** What the pool's parts ask the pool to do to its workers; on the pool thread. */
interface PoolActions {
    /** The supervisor is shutting down: nothing is replaced any more. */
    boolean stopping();

    /** The workers the pool has now (a live view). */
    Collection<WorkerProcess> workers();

    /** Stops {@code w} now (TERM, then KILL): for a worker not serving yet. */
    void stop(WorkerProcess w, RestartReason reason, String detail);

    /** Lets {@code w} finish its connections and exit; counted under {@code reason}. */
    void drain(WorkerProcess w, RestartReason reason, String detail);

    /** Starts or retires workers until the live count is the target. */
    void reconcile();
}
