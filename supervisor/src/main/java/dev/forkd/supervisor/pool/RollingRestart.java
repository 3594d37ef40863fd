package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import java.util.Comparator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Which workers go, and when. Replacement is one for one: a worker to be replaced (recycled, or rolled by a reload) keeps serving
 * until a new worker is ready, then drains. A reload (HUP) replaces every worker launched before
 * it, one at a time. A scale-down lets the least busy go. On the pool thread only.
 */
final class RollingRestart {
    private static final Logger LOG = LogManager.getLogger(RollingRestart.class);

    private final PoolActions pool;
    /** Connections live on a worker: a scale-down lets the least busy go. */
    private final java.util.function.ToIntFunction<WorkerProcess> active;
    private final PoolSettings.Replacement replacement;
    private final Runnable complete;
    private boolean rolling;
    /** Bumped by each reload: a worker launched in an older one runs the old code and is rolled (gunicorn's rule). */
    private int generation;

    /** @param complete told when a rolling restart has replaced every worker */
    RollingRestart(PoolActions pool, java.util.function.ToIntFunction<WorkerProcess> active, PoolSettings.Replacement replacement,
            Runnable complete) {
        this.pool = pool;
        this.active = active;
        this.replacement = replacement;
        this.complete = complete;
    }

    /** The generation a worker launched now belongs to. */
    int generation() {
        return generation;
    }

    /** Live: will serve new connections for the foreseeable future (not being replaced, drained or stopped). */
    static boolean countsAsLive(WorkerProcess w) {
        return w.state == WorkerState.STARTING || w.state == WorkerState.READY && !w.awaitingReplacement();
    }

    /** Scaling down: drain the least busy live workers, those still booting first. */
    void retire(int n) {
        java.util.List<WorkerProcess> live = new java.util.ArrayList<>();
        for (WorkerProcess w : pool.workers()) {
            if (countsAsLive(w)) {
                live.add(w);
            }
        }
        live.sort(Comparator.<WorkerProcess>comparingInt(w -> w.state == WorkerState.STARTING ? 0 : 1)
                .thenComparingInt(active)
                .thenComparing(w -> -w.id));
        for (int i = 0; i < n && i < live.size(); i++) {
            WorkerProcess w = live.get(i);
            try (var ctx = WorkerLogContext.of(w)) {
                if (w.state == WorkerState.STARTING) {
                    LOG.info("{}: not needed any more; stopping it", w.label());
                    pool.stop(w, RestartReason.SCALE, RestartReason.SCALE.label());
                } else {
                    pool.drain(w, RestartReason.SCALE, RestartReason.SCALE.label());
                }
            }
        }
    }

    /** The worker took its last connection (its --recycle-after limit): replace it, then drain it. */
    void exhausted(WorkerProcess w) {
        if (w.state != WorkerState.READY || pool.stopping()) {
            return;
        }
        try (var ctx = WorkerLogContext.of(w)) {
            LOG.debug("{} reached its recycle limit of {} connection(s)", w.label(), w.assignmentLimit);
        }
        recycle(w);
    }

    private void recycle(WorkerProcess w) {
        w.replaceReason = RestartReason.RECYCLE;
        pool.reconcile();
        pair(false);
    }

    /**
     * One for one: each new worker that becomes ready lets the oldest worker waiting for a
     * replacement drain (or at once, see {@link PoolSettings.Replacement#AT_ONCE}). Then the next
     * step of a rolling restart, if any.
     */
    void pair(boolean newWorkerReady) {
        if (newWorkerReady || replacement == PoolSettings.Replacement.AT_ONCE) {
            pool.workers().stream()
                    .filter(WorkerProcess::awaitingReplacement)
                    .min(Comparator.comparingInt(w -> w.id))
                    .ifPresent(old -> pool.drain(old, old.replaceReason, old.replaceReason.label()));
        }
        continueRolling();
    }

    /**
     * HUP: replace every worker launched before it, one at a time, each new one ready before the
     * old one drains. That includes workers still booting (a crashed worker's replacement, say):
     * they run the old code too, and are replaced once ready. A HUP during a rolling restart
     * extends it to the workers that restart had started.
     */
    void reload() {
        generation++;
        rolling = true;
        long ready = 0;
        long booting = 0;
        for (WorkerProcess w : pool.workers()) {
            if (isOld(w)) {
                if (w.state == WorkerState.READY) {
                    ready++;
                } else if (w.state == WorkerState.STARTING) {
                    booting++;
                }
            }
        }
        if (booting > 0) {
            LOG.info("rolling restart of {} worker(s) ({} still booting: replaced once ready)", ready + booting, booting);
        } else {
            LOG.info("rolling restart of {} worker(s)", ready);
        }
        continueRolling();
    }

    /** One at a time: the next worker is rolled once the one being replaced has been let go. */
    void continueRolling() {
        if (rolling && pool.workers().stream().noneMatch(w -> w.awaitingReplacement() && w.replaceReason == RestartReason.RELOAD)) {
            rollNext();
        }
    }

    /** Launched before the latest reload, serving or booting, and not already being replaced or let go. */
    private boolean isOld(WorkerProcess w) {
        return w.generation < generation && countsAsLive(w);
    }

    private void rollNext() {
        WorkerProcess next = null;
        boolean booting = false;
        for (WorkerProcess w : pool.workers()) {
            if (!isOld(w)) {
                continue;
            }
            if (w.state == WorkerState.STARTING) {
                booting = true;
            } else if (next == null || w.id < next.id) {
                next = w;
            }
        }
        if (next != null) {
            next.replaceReason = RestartReason.RELOAD;
            pool.reconcile();
            return;
        }
        if (booting) {
            return; // its ready() comes back here
        }
        rolling = false;
        LOG.info("rolling restart complete");
        complete.run();
    }
}
