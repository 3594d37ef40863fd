package dev.forkd.supervisor.pool;

import org.apache.logging.log4j.CloseableThreadContext;

/**
 * The worker.id and worker.pid fields of a log line (--log-format json): the worker's own lines
 * carry them (WorkerLogStream), and so do the supervisor's lines about a worker.
 */
public final class WorkerLogContext {
    static final String ID = "worker.id";
    static final String PID = "worker.pid";

    private WorkerLogContext() {
    }

    /** Until closed, lines logged on this thread are about {@code w}; its pid only once known. */
    public static CloseableThreadContext.Instance of(WorkerProcess w) {
        CloseableThreadContext.Instance ctx = CloseableThreadContext.put(ID, Integer.toString(w.id));
        return w.pid > 0 ? ctx.put(PID, Long.toString(w.pid)) : ctx;
    }
}
