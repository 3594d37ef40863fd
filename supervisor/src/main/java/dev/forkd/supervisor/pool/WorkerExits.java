package dev.forkd.supervisor.pool;

import dev.forkd.shared.ExitCodes;
import dev.forkd.supervisor.restart.ExitDecision;
import dev.forkd.supervisor.restart.ExitStatus;
import dev.forkd.supervisor.restart.RestartAccounting;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A worker's exit, acted on: it leaves the pool and the dispatcher, its slot proofs and control
 * channel close, and what {@link ExitDecision} makes of it happens (replace it, restore the runtime
 * directory, back off, give up). On the pool thread.
 */
final class WorkerExits {
    // the pool's logger: these lines have always been the pool's, and operators filter on it
    private static final Logger LOG = LogManager.getLogger(WorkerPool.class);
    private final PoolActions pool;
    private final PoolDispatch dispatch;
    private final RuntimeDirRecovery recovery;
    private final RestartAccounting accounting;
    private final RollingRestart rolling;
    private final WorkerPool.Fatal fatal;
    private final LongSupplier clock;
    /** The pool starts no worker before this (nanos) after a run of fast exits. */
    private final LongConsumer backoffUntil;

    WorkerExits(PoolActions pool, PoolDispatch dispatch, RuntimeDirRecovery recovery, RestartAccounting accounting,
            RollingRestart rolling, WorkerPool.Fatal fatal, LongSupplier clock, LongConsumer backoffUntil) {
        this.pool = pool;
        this.dispatch = dispatch;
        this.recovery = recovery;
        this.accounting = accounting;
        this.rolling = rolling;
        this.fatal = fatal;
        this.clock = clock;
        this.backoffUntil = backoffUntil;
    }

    /** {@code w} exited with {@code code} (128 + N for signal N); on the pool thread. */
    void exited(WorkerProcess w, int code) {
        try (var ctx = WorkerLogContext.of(w)) {
            act(w, code);
        }
    }

    private void act(WorkerProcess w, int code) {
        WorkerState was = w.state;
        w.state = WorkerState.EXITED;
        // the live view of the pool's map: removes w's own entry, not a successor under its id
        pool.workers().remove(w);
        dispatch.removeTarget(w);
        // gone: its slots can be let go, and nothing new is sent to it
        int takenDown = w.proofs.close();
        if (w.control != null) {
            w.control.close();
        }
        recovery.removeSocket(w);
        long now = clock.getAsLong();
        ExitDecision d = ExitDecision.of(pool.stopping(), was == WorkerState.STOPPING, w.exitReason, w.everReady(), code,
                !w.everReady() && code == ExitCodes.BOOT_FAILURE && recovery.lostFor(w));
        if (d.reason() != null) {
            accounting.record(w.slot, d.reason());
        }
        switch (d.then()) {
            case NOTHING -> LOG.info("{} exited ({})", w.label(), ExitStatus.describe(code));
            case REPLACE -> {
                // its last connections ended just before it exited, as a drained worker's do: no count of them here
                LOG.info("{} exited after draining ({}; {})", w.label(), w.exitDetail, ExitStatus.describe(code));
                pool.reconcile();
                // a booting worker the restart waited for may have been scaled away: nothing else would end it
                rolling.continueRolling();
            }
            case RESTORE_RUNTIME_DIR -> {
                LOG.warn("{} could not boot: the runtime directory was deleted under it", w.label());
                recovery.check();
                pool.reconcile();
            }
            case GIVE_UP -> {
                LOG.error("{} failed to boot (exit code 3); its log lines above say why. Not retrying: fix the cause and start forkd again",
                        w.label());
                fatal.fail(ExitCodes.BOOT_FAILURE, "workers cannot boot");
            }
            case REPLACE_AFTER_BACKOFF -> {
                long delay = accounting.unplanned(w.label(), w.launchedNanos, w.readyNanos, d.reason(), code, takenDown, now);
                if (delay == RestartAccounting.GIVE_UP) {
                    fatal.fail(ExitCodes.INTERNAL, "restart intensity exceeded");
                    return;
                }
                if (delay > 0) {
                    backoffUntil.accept(now + delay);
                }
                pool.reconcile();
            }
        }
    }
}
