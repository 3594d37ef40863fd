package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartAccounting;
import dev.forkd.supervisor.restart.ExitDecision;
import dev.forkd.supervisor.restart.ExitStatus;
import dev.forkd.supervisor.restart.RestartCounts;
import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.control.ControlSession;
import dev.forkd.supervisor.control.ControlServer;
import dev.forkd.supervisor.rundir.RuntimeDirectory;

import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.ExitCodes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps N healthy workers: spawning, replacing and stopping them. Restarting is reconciliation
 * (compare the live count with the target and start the difference), not a code path of its own.
 * Every state change runs on the one pool thread; the pool decides little itself and leans on
 * one class per job:
 * <ul>
 * <li>{@link RollingRestart}: which workers go and when (recycle and reload one for one, scale-down);</li>
 * <li>{@link WorkerDrain}: letting one go gracefully, without blocking the pool thread;</li>
 * <li>{@link Heartbeat}: pings, timeouts, pause credit, TERM then KILL;</li>
 * <li>{@link ExitDecision}: what an exit means (a pure function), {@link RestartAccounting}: counting it;</li>
 * <li>{@link RuntimeDirRecovery}: a runtime directory deleted under the supervisor;</li>
 * <li>{@link SlotProofs}: slot releases held until a worker proves alive, the only state touched
 * from other threads (relay, control reader), guarded by its own lock;</li>
 * <li>{@link WorkerSpawner}: the next worker's id, slot and limits; {@link WorkerShutdown}: the end of a shutdown.</li>
 * </ul>
 */
public final class WorkerPool implements ControlServer.Listener, PoolActions {
    private static final Logger LOG = LogManager.getLogger(WorkerPool.class);

    /** Told when the pool cannot go on. */
    public interface Fatal {
        void fail(int exitCode, String reason);
    }

    /** Starts worker processes. */
    public interface Launcher {
        /** Starts {@code w}; {@code onExit} gets its exit value (128 + N for signal N) on another thread. */
        void launch(WorkerProcess w, IntConsumer onExit) throws IOException;

        /** Workers launched from now on find the control socket at {@code path}. */
        void controlSocket(Path path);
    }

    /** What the metrics want to hear about. */
    public interface PoolEvents {
        void spawnedToReady(long nanos);

        /** A rolling restart has replaced every worker. */
        default void reloadComplete() {
        }
    }

    private final PoolSettings settings;
    private final PoolDispatch dispatch;
    private final ScheduledExecutorService exec;
    private final Fatal fatal;
    private final LongSupplier clock;
    private final RestartAccounting accounting;
    private final Heartbeat heartbeat;
    private final RuntimeDirRecovery recovery;
    private final RollingRestart rolling;
    private final WorkerDrain drains;
    private final WorkerSpawner spawner;
    private final Map<Integer, WorkerProcess> workers = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> allReady = new CompletableFuture<>();
    private final PoolEvents events;
    /** One numbering for heartbeat and proof pings: any answer from the proof ping's number on proves. */
    private final AtomicLong pingSeq = new AtomicLong();
    private volatile int target;
    private long notBeforeNanos;
    private boolean spawnScheduled;
    private boolean stopping;

    public WorkerPool(PoolSettings settings, RuntimeDirectory runtimeDir, Launcher launcher, PoolDispatch dispatch,
            ScheduledExecutorService exec, Fatal fatal, PoolEvents events) {
        this(settings, runtimeDir, launcher, dispatch, exec, fatal, events, System::nanoTime);
    }

    public WorkerPool(PoolSettings settings, RuntimeDirectory runtimeDir, Launcher launcher, PoolDispatch dispatch,
            ScheduledExecutorService exec, Fatal fatal, PoolEvents events, LongSupplier clock) {
        this.settings = settings;
        this.dispatch = dispatch;
        this.exec = exec;
        this.fatal = fatal;
        this.events = events;
        this.clock = clock;
        this.target = settings.target();
        this.accounting = new RestartAccounting(settings.maxRestarts(), settings.restartWindow());
        this.heartbeat = new Heartbeat(settings.heartbeat(), settings.timeout(), settings.gracefulTimeout(),
                Heartbeat.Hands.signals(dispatch, pingSeq::incrementAndGet));
        this.recovery = new RuntimeDirRecovery(runtimeDir, this, launcher::controlSocket);
        this.rolling = new RollingRestart(this, dispatch::active, settings.replacement(), events::reloadComplete);
        this.drains = new WorkerDrain(dispatch, this::post, exec, clock, heartbeat);
        this.spawner = new WorkerSpawner(runtimeDir, launcher, settings, w -> SlotProofs.of(w, pingSeq::incrementAndGet, exec, dispatch));
        dispatch.onExhausted(w -> post(() -> rolling.exhausted(w)));
        dispatch.onUnreachable(w -> post(() -> recovery.unreachable(w)));
    }

    /** Set by the supervisor, which owns the control socket, before {@link #start()}. */
    public void controlSocket(RuntimeDirRecovery.ControlSocket socket) {
        recovery.controlSocket(socket);
    }

    public void start() {
        post(this::reconcile);
        long hb = settings.heartbeat().toNanos();
        heartbeat.start(clock.getAsLong());
        // fixed delay, not fixed rate: after a pause a fixed-rate task runs every missed beat back to back
        exec.scheduleWithFixedDelay(this::tick, hb, hb, TimeUnit.NANOSECONDS);
    }

    /** Completes once the first full set of workers is ready. */
    public CompletableFuture<Void> allReady() {
        return allReady;
    }

    public List<WorkerProcess> snapshot() {
        return new ArrayList<>(workers.values());
    }

    @Override
    public boolean stopping() {
        return stopping;
    }

    @Override
    public java.util.Collection<WorkerProcess> workers() {
        return workers.values();
    }

    @Override
    public void stop(WorkerProcess w, RestartReason reason, String detail) {
        w.exitReason = reason;
        w.exitDetail = detail;
        heartbeat.terminate(w, clock.getAsLong());
    }

    /** Every worker that ended while the pool ran, by reason: what /status, the status table and /metrics show. */
    public RestartCounts restarts() {
        return accounting.counts();
    }

    private void post(Runnable r) {
        try {
            exec.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.error("worker pool task failed: {}", e.toString(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            // the pool is shut down: the supervisor is exiting and nothing needs reconciling
            LOG.debug("pool event after shutdown dropped");
        }
    }

    @Override
    public void reconcile() {
        if (stopping) {
            return;
        }
        long live = workers.values().stream().filter(RollingRestart::countsAsLive).count();
        if (live > target) {
            rolling.retire((int) (live - target));
            return;
        }
        long alive = workers.values().stream().filter(w -> w.state != WorkerState.EXITED).count();
        long deficit = Math.min(target - live, settings.processCap() - alive);
        if (deficit <= 0) {
            return;
        }
        long wait = notBeforeNanos - clock.getAsLong();
        if (wait > 0) {
            if (!spawnScheduled) {
                spawnScheduled = true;
                exec.schedule(() -> {
                    spawnScheduled = false;
                    reconcile();
                }, wait, TimeUnit.NANOSECONDS);
            }
            return;
        }
        for (long i = 0; i < deficit && !stopping; i++) {
            spawn();
        }
    }

    /** Lets {@code w} go gracefully (see {@link WorkerDrain}); never blocks the pool thread. */
    @Override
    public void drain(WorkerProcess w, RestartReason reason, String detail) {
        drains.drain(w, reason, detail);
    }

    /** HUP: a rolling restart (see {@link RollingRestart#reload}). */
    public void reload() {
        post(() -> {
            if (!stopping) {
                rolling.reload();
            }
        });
    }

    /** Why a scale request was refused: past --max-workers, or below one worker. */
    public static final class ScaleRefused extends Exception {
        private static final long serialVersionUID = 1L;

        ScaleRefused(String message) {
            super(message);
        }
    }

    /**
     * TTIN / TTOU and the admin endpoint: change the pool size by {@code delta}. Completes with the
     * new target, or exceptionally with {@link ScaleRefused} when the result would be past
     * --max-workers or below one worker (nothing changes then).
     */
    public CompletableFuture<Integer> scale(int delta) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        post(() -> {
            int before = target;
            long wanted = (long) before + delta;
            if (wanted > settings.maxWorkers()) {
                done.completeExceptionally(new ScaleRefused("cannot scale from " + before + " to " + wanted
                        + " worker(s): the limit is --max-workers " + settings.maxWorkers()));
                return;
            }
            if (wanted < 1) {
                done.completeExceptionally(new ScaleRefused("cannot scale from " + before + " to " + wanted + " worker(s): at least 1 stays"));
                return;
            }
            target = (int) wanted;
            LOG.info("scaling from {} to {} worker(s)", before, target);
            reconcile();
            done.complete(target);
        });
        return done;
    }

    public int target() {
        return target;
    }

    /** For experiments: signal one worker; false if there is no such worker. {@code atSignal} runs on the pool's thread just before the signal is sent, e.g. to note the connections the worker holds. */
    public CompletableFuture<Boolean> kill(int id, boolean force, java.util.function.Consumer<WorkerProcess> atSignal) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        post(() -> {
            WorkerProcess w = workers.get(id);
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

    private void spawn() {
        WorkerProcess w = spawner.next(workers.values(), rolling.generation());
        workers.put(w.id, w);
        try {
            spawner.launch(w, code -> post(() -> onExit(w, code)));
            try (var ctx = WorkerLogContext.of(w)) {
                LOG.debug("started {}", w.label());
            }
        } catch (IOException e) {
            workers.remove(w.id);
            LOG.error("cannot start a worker JVM: {}", e.toString());
            fatal.fail(ExitCodes.BOOT_FAILURE, "cannot start worker JVMs");
        }
    }

    @Override
    public void onReady(ControlSession s) {
        post(() -> ready(s));
    }

    private void ready(ControlSession s) {
        WorkerProcess w = workers.get(s.workerId);
        if (w == null || w.state != WorkerState.STARTING) {
            LOG.warn("refused a ready message for unknown or already running worker {} (pid {})", s.workerId, s.pid);
            s.close();
            return;
        }
        if (w.pid > 0 && w.pid != s.pid) {
            LOG.warn("refused a ready message for worker {} from pid {}: that worker is pid {}", s.workerId, s.pid, w.pid);
            s.close();
            return;
        }
        long now = clock.getAsLong();
        w.control = s;
        if (!recovery.ownsSocket(w, w.pid > 0 ? w.pid : s.pid)) {
            // someone else bound its path (in a runtime directory others could write to): never send it a client
            stop(w, RestartReason.SOCKET, "socket not its own");
            reconcile();
            return;
        }
        w.lastPongNanos = now;
        w.readyNanos = now;
        w.state = WorkerState.READY;
        try (var ctx = WorkerLogContext.of(w)) {
            LOG.info("{} ready in {} ms", w.label(), TimeUnit.NANOSECONDS.toMillis(now - w.launchedNanos));
        }
        events.spawnedToReady(now - w.launchedNanos);
        dispatch.addTarget(w);
        if (!allReady.isDone() && countIn(WorkerState.READY) >= target) {
            allReady.complete(null);
        }
        rolling.pair(true);
    }

    @Override
    public void onPong(ControlSession s, long seq) {
        WorkerProcess w = workers.get(s.workerId);
        if (w != null && w.control == s) {
            w.lastPongNanos = clock.getAsLong();
            w.proofs.answered(seq);
        }
    }

    /** A stream to {@code w} is open and a client is relayed over it; on the dispatching thread. */
    public void onRelayStarted(WorkerProcess w) {
        w.proofs.relayStarted();
    }

    /** A relayed connection of {@code w} is done on the worker's side; on a relay thread. See {@link SlotProofs#relayDone}. */
    public void onWorkerDone(WorkerProcess w, boolean workerEndedFirst, boolean workerSideEnded, Runnable release) {
        synchronized (w) {
            w.served++;
        }
        w.proofs.relayDone(workerEndedFirst, workerSideEnded, release);
    }

    private void onExit(WorkerProcess w, int code) {
        try (var ctx = WorkerLogContext.of(w)) {
            exited(w, code);
        }
    }

    private void exited(WorkerProcess w, int code) {
        WorkerState was = w.state;
        w.state = WorkerState.EXITED;
        workers.remove(w.id, w);
        dispatch.removeTarget(w);
        // gone: its slots can be let go, and nothing new is sent to it
        int takenDown = w.proofs.close();
        if (w.control != null) {
            w.control.close();
        }
        recovery.removeSocket(w);
        long now = clock.getAsLong();
        ExitDecision d = ExitDecision.of(stopping, was == WorkerState.STOPPING, w.exitReason, w.everReady(), code,
                !w.everReady() && code == ExitCodes.BOOT_FAILURE && recovery.lostFor(w));
        if (d.reason() != null) {
            accounting.record(w.slot, d.reason());
        }
        switch (d.then()) {
            case NOTHING -> LOG.info("{} exited ({})", w.label(), ExitStatus.describe(code));
            case REPLACE -> {
                // its last connections ended just before it exited, as a drained worker's do: no count of them here
                LOG.info("{} exited after draining ({}; {})", w.label(), w.exitDetail, ExitStatus.describe(code));
                reconcile();
                // a booting worker the restart waited for may have been scaled away: nothing else would end it
                rolling.continueRolling();
            }
            case RESTORE_RUNTIME_DIR -> {
                LOG.warn("{} could not boot: the runtime directory was deleted under it", w.label());
                recovery.check();
                reconcile();
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
                    notBeforeNanos = now + delay;
                }
                reconcile();
            }
        }
    }

    /** The heartbeat's tick: a lost runtime directory first, then every worker's liveness. */
    void tick() {
        try {
            recovery.check();
            heartbeat.tick(workers.values(), clock.getAsLong());
        } catch (RuntimeException e) {
            // the heartbeat must survive anything, or no hung worker would ever be noticed again
            LOG.error("heartbeat failed: {}", e.toString(), e);
        }
    }

    private int countIn(WorkerState state) {
        int n = 0;
        for (WorkerProcess w : workers.values()) {
            if (w.state == state) {
                n++;
            }
        }
        return n;
    }

    /**
     * Stops every worker: {@code stop} on the control channel, then TERM, then KILL, each after a
     * bounded wait (see {@link WorkerShutdown}). Called on the supervisor's main thread while shutting down.
     */
    public void stopAll() throws InterruptedException {
        CompletableFuture<List<WorkerProcess>> marked = new CompletableFuture<>();
        post(() -> {
            stopping = true;
            List<WorkerProcess> all = new ArrayList<>(workers.values());
            for (WorkerProcess w : all) {
                w.state = WorkerState.STOPPING;
                dispatch.removeTarget(w);
                if (w.control == null || !w.control.send(ControlMessage.stop())) {
                    w.handle().ifPresent(ProcessHandle::destroy);
                }
            }
            marked.complete(all);
        });
        List<WorkerProcess> all;
        try {
            all = marked.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.error("the pool thread did not answer; killing workers directly: {}", e.toString());
            all = new ArrayList<>(workers.values());
        }
        WorkerShutdown.awaitOrKill(all);
    }
}
