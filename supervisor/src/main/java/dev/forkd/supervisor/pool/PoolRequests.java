package dev.forkd.supervisor.pool;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What an operator asks of the pool from outside (signals, the admin endpoint): reload, scale,
 * kill one worker. Each is posted to the pool thread and answered through a future, so that no
 * caller ever touches the pool's state.
 */
public final class PoolRequests {
    // the pool's logger: these lines have always been the pool's, and operators filter on it
    private static final Logger LOG = LogManager.getLogger(WorkerPool.class);
    private final WorkerPool pool;
    private final int maxWorkers;

    PoolRequests(WorkerPool pool, int maxWorkers) {
        this.pool = pool;
        this.maxWorkers = maxWorkers;
    }

    /** Why a scale request was refused: past --max-workers, or below one worker. */
    public static final class ScaleRefused extends Exception {
        private static final long serialVersionUID = 1L;

        ScaleRefused(String message) {
            super(message);
        }
    }

    /** HUP: a rolling restart (see {@link RollingRestart#reload}). */
    public void reload() {
        pool.post(pool::reloadUnlessStopping);
    }

    /**
     * TTIN / TTOU and the admin endpoint: change the pool size by {@code delta}. Completes with the
     * new target, or exceptionally with {@link ScaleRefused} when the result would be past
     * --max-workers or below one worker (nothing changes then).
     */
    public CompletableFuture<Integer> scale(int delta) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        pool.post(() -> {
            int before = pool.target();
            long wanted = (long) before + delta;
            if (wanted > maxWorkers) {
                done.completeExceptionally(new ScaleRefused("cannot scale from " + before + " to " + wanted
                        + " worker(s): the limit is --max-workers " + maxWorkers));
                return;
            }
            if (wanted < 1) {
                done.completeExceptionally(new ScaleRefused("cannot scale from " + before + " to " + wanted + " worker(s): at least 1 stays"));
                return;
            }
            LOG.info("scaling from {} to {} worker(s)", before, wanted);
            pool.retarget((int) wanted);
            done.complete((int) wanted);
        });
        return done;
    }

    /** For experiments: signal one worker; false if there is no such worker. {@code atSignal} runs on the pool's thread just before the signal is sent, e.g. to note the connections the worker holds. */
    public CompletableFuture<Boolean> kill(int id, boolean force, Consumer<WorkerProcess> atSignal) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        pool.post(() -> {
            WorkerProcess w = pool.worker(id);
            if (w == null || w.state == WorkerState.EXITED) {
                done.complete(false);
                return;
            }
            atSignal.accept(w);
            try (var ctx = WorkerLogContext.of(w)) {
                LOG.info("{}: sending {} on request", w.label(), force ? "KILL" : "TERM");
            }
            w.handle().ifPresent(force ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
            done.complete(true);
        });
        return done;
    }
}
