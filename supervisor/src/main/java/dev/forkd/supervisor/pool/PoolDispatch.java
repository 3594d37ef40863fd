package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.dispatch.Dispatcher;
import java.util.function.Consumer;

/** The dispatcher as the pool uses it: which workers get new connections, and what it tells the pool. */
public interface PoolDispatch {
    /** {@code w} is ready: send it connections. */
    void addTarget(WorkerProcess w);

    /** No new connection to {@code w}; its live ones still count until released. */
    void removeTarget(WorkerProcess w);

    /** Connections live on {@code w}. */
    int active(WorkerProcess w);

    /**
     * True if no stream is being opened to {@code w} now (then {@code then} is not run); else
     * {@code then} runs, on the opening thread, once the last one has landed in its backlog.
     */
    boolean whenNoOpening(WorkerProcess w, Runnable then);

    /** Told when a worker has taken its last connection (its recycle limit). */
    void onExhausted(Consumer<WorkerProcess> listener);

    /** Told when a worker could not be reached and was taken out. */
    void onUnreachable(Consumer<WorkerProcess> listener);

    /** The real dispatcher, whose targets are all workers. */
    static PoolDispatch of(Dispatcher<WorkerProcess> d) {
        return new PoolDispatch() {
            @Override
            public void addTarget(WorkerProcess w) {
                d.addTarget(w);
            }

            @Override
            public void removeTarget(WorkerProcess w) {
                d.removeTarget(w);
            }

            @Override
            public int active(WorkerProcess w) {
                return d.active(w);
            }

            @Override
            public boolean whenNoOpening(WorkerProcess w, Runnable then) {
                return d.whenNoOpening(w, then);
            }

            @Override
            public void onExhausted(Consumer<WorkerProcess> listener) {
                d.onExhausted(listener::accept);
            }

            @Override
            public void onUnreachable(Consumer<WorkerProcess> listener) {
                d.onUnreachable(listener::accept);
            }
        };
    }
}
