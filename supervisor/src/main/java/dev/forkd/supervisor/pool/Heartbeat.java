package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.control.ControlSession;
import dev.forkd.shared.Durations;
import java.time.Duration;
import java.util.Collection;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The pool's clock-driven judgements, one tick at a time on the pool thread: a worker silent past
 * --worker-timeout, stuck in boot, or draining past --graceful-timeout is sent TERM, and KILL if it
 * is still there {@link #KILL_GRACE} later. Time the heartbeat itself did not run is not held
 * against the workers.
 */
final class Heartbeat {
    private static final Logger LOG = LogManager.getLogger(Heartbeat.class);
    /** A worker that has not said ready by then is stuck in boot. */
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);
    /** After TERM, how long a worker has before KILL. */
    static final Duration KILL_GRACE = Duration.ofSeconds(3);

    /** What the heartbeat does to a worker; the pool's side of it. */
    interface Hands {
        /** Sends it a heartbeat ping, if it has a control channel. */
        void ping(WorkerProcess w);

        /** No new connection goes to it. */
        void takeOut(WorkerProcess w);

        void term(WorkerProcess w);

        void kill(WorkerProcess w);

        /** The real thing: pings on the control channel, signals to the process. */
        static Hands signals(PoolDispatch dispatch, java.util.function.LongSupplier nextSeq) {
            return new Hands() {
                @Override
                public void ping(WorkerProcess w) {
                    ControlSession c = w.control;
                    if (c != null) {
                        c.send(dev.forkd.shared.ControlMessage.ping(nextSeq.getAsLong()));
                    }
                }

                @Override
                public void takeOut(WorkerProcess w) {
                    dispatch.removeTarget(w);
                }

                @Override
                public void term(WorkerProcess w) {
                    w.handle().ifPresent(ProcessHandle::destroy);
                }

                @Override
                public void kill(WorkerProcess w) {
                    w.handle().ifPresent(ProcessHandle::destroyForcibly);
                }
            };
        }
    }

    private final Duration interval;
    private final Duration timeout;
    private final Duration gracefulTimeout;
    private final Hands hands;
    /** When the heartbeat last ran; on the pool thread only. */
    private long lastTickNanos;

    Heartbeat(Duration interval, Duration timeout, Duration gracefulTimeout, Hands hands) {
        this.interval = interval;
        this.timeout = timeout;
        this.gracefulTimeout = gracefulTimeout;
        this.hands = hands;
    }

    /** The first beat measures its gap from here: a supervisor stopped before its first tick was still stopped. */
    void start(long now) {
        lastTickNanos = now;
    }

    /** One beat over every worker: pings, liveness, boot timeouts, and TERM→KILL escalation by elapsed time. */
    void tick(Collection<WorkerProcess> workers, long now) {
        creditPause(workers, now);
        for (WorkerProcess w : workers) {
            try (var ctx = WorkerLogContext.of(w)) {
                beat(w, now);
            }
        }
    }

    private void beat(WorkerProcess w, long now) {
        switch (w.state) {
            case DRAINING:
                if (now - w.drainStartedNanos > gracefulTimeout.toNanos()) {
                    LOG.warn("{} still has connections {} after it was told to drain; stopping it",
                            w.label(), Durations.format(gracefulTimeout));
                    terminate(w, now);
                    break;
                }
                // a draining worker is still heartbeated: a hang while draining is still a hang
            case READY:
                if (now - w.lastPongNanos > timeout.toNanos()) {
                    LOG.warn("worker {} (pid {}) timed out: no heartbeat answer for {}; killing it",
                            w.id, w.pid, Durations.format(timeout));
                    // counted as a hang even while draining: the drain's reason did not end it
                    w.exitReason = RestartReason.HANG;
                    w.exitDetail = RestartReason.HANG.label();
                    terminate(w, now);
                } else {
                    hands.ping(w);
                }
                break;
            case STARTING:
                if (now - w.launchedNanos > BOOT_TIMEOUT.toNanos()) {
                    LOG.error("{} did not report ready within {}; killing it", w.label(), Durations.format(BOOT_TIMEOUT));
                    terminate(w, now);
                }
                break;
            case STOPPING:
                escalate(w, now);
                break;
            default:
                break;
        }
    }

    /**
     * A worker's silence counts only while the heartbeat runs. If this tick comes much later than
     * the heartbeat interval, the supervisor itself was not running (SIGSTOP, a VM or container
     * freeze, a long pause) or the pool thread was held up: no ping went out, so no worker could
     * answer, and judging them by the last pong would kill every one (unicorn's test). So the time
     * the heartbeat was missing is credited to every worker: a healthy worker gets a fresh
     * worker-timeout, while a worker that was already silent before the pause keeps the silence it
     * had and still times out. Crediting the gap rather than re-arming to "now" also means that
     * repeated short pauses cannot hide a hung worker forever.
     */
    private void creditPause(Collection<WorkerProcess> workers, long now) {
        long hb = interval.toNanos();
        long gap = now - lastTickNanos;
        lastTickNanos = now;
        // "much later": a whole beat missed, or half the timeout if that is shorter (a pause that long
        // already eats most of a worker's allowance); never under 1.5 beats, which is only jitter
        if (gap <= Math.max(hb * 3 / 2, Math.min(2 * hb, timeout.toNanos() / 2))) {
            return;
        }
        long credit = gap - hb;
        LOG.warn("the heartbeat did not run for {} (every {} expected): the supervisor was stopped or starved; "
                + "not counting that time against the workers", Durations.human(gap), Durations.format(interval));
        for (WorkerProcess w : workers) {
            if (w.state == WorkerState.READY || w.state == WorkerState.DRAINING) {
                w.lastPongNanos = Math.min(now, w.lastPongNanos + credit);
            }
        }
    }

    /** Stops {@code w}: no new connection, TERM now, KILL after {@link #KILL_GRACE} (on a later beat). */
    void terminate(WorkerProcess w, long now) {
        w.state = WorkerState.STOPPING;
        hands.takeOut(w);
        w.stopRequestedNanos = now;
        w.termSent = true;
        hands.term(w);
    }

    private void escalate(WorkerProcess w, long now) {
        if (w.termSent && !w.killSent && now - w.stopRequestedNanos > KILL_GRACE.toNanos()) {
            LOG.warn("{} still running {} after TERM; sending KILL", w.label(), Durations.format(KILL_GRACE));
            w.killSent = true;
            hands.kill(w);
        }
    }
}
