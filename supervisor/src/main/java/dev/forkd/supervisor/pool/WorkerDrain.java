package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.control.ControlSession;
import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.Durations;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Lets a worker go gracefully: no new connection, and once every stream already sent to it has
 * reached its backlog, {@code drain} on its control channel (it takes those, finishes its live
 * connections and exits). The wait for those streams never holds up the pool thread: the
 * dispatcher calls back when the last one has landed, or after {@link #OPENING_WAIT} the worker
 * is told anyway. On the pool thread.
 */
final class WorkerDrain {
    private static final Logger LOG = LogManager.getLogger(WorkerDrain.class);
    /** How long a drain waits for streams still being opened to the worker before it tells the worker anyway. */
    static final Duration OPENING_WAIT = Duration.ofSeconds(5);

    private final PoolDispatch dispatch;
    private final Consumer<Runnable> post;
    private final ScheduledExecutorService poolThread;
    private final LongSupplier clock;
    private final Heartbeat heartbeat;

    /**
     * @param post runs a task on the pool thread
     * @param heartbeat stops a worker that cannot be told (no control channel)
     */
    WorkerDrain(PoolDispatch dispatch, Consumer<Runnable> post, ScheduledExecutorService poolThread, LongSupplier clock,
            Heartbeat heartbeat) {
        this.dispatch = dispatch;
        this.post = post;
        this.poolThread = poolThread;
        this.clock = clock;
        this.heartbeat = heartbeat;
    }

    /** @param detail why, in words, for the log (e.g. which way its socket was lost) */
    void drain(WorkerProcess w, RestartReason reason, String detail) {
        w.state = WorkerState.DRAINING;
        w.exitReason = reason;
        w.exitDetail = detail;
        w.drainStartedNanos = clock.getAsLong();
        dispatch.removeTarget(w);
        AtomicBoolean told = new AtomicBoolean();
        if (dispatch.whenNoOpening(w, () -> post.accept(() -> tell(w, told)))) {
            tell(w, told);
            return;
        }
        try {
            poolThread.schedule(() -> {
                if (!told.get() && w.state == WorkerState.DRAINING) {
                    LOG.warn("{}: a stream is still being opened after {}; draining anyway", w.label(), Durations.format(OPENING_WAIT));
                    tell(w, told);
                }
            }, OPENING_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down: stopAll tells every worker to stop
            LOG.debug("{}: no drain while shutting down", w.label());
        }
    }

    /** Sends {@code drain}, once, to a worker still draining (it may have exited or been stopped meanwhile). */
    private void tell(WorkerProcess w, AtomicBoolean told) {
        if (w.state != WorkerState.DRAINING || !told.compareAndSet(false, true)) {
            return;
        }
        try (var ctx = WorkerLogContext.of(w)) {
            LOG.info("{} draining ({}): {} live connection(s)", w.label(), w.exitDetail, dispatch.active(w));
        }
        ControlSession c = w.control;
        if (c == null || !c.send(ControlMessage.drain())) {
            heartbeat.terminate(w, clock.getAsLong());
        }
    }
}
