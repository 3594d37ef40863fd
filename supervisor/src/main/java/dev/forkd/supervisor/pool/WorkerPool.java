package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartAccounting;
import dev.forkd.supervisor.restart.ExitDecision;
import dev.forkd.supervisor.restart.RestartCounts;
import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.control.ControlSession;
import dev.forkd.supervisor.control.ControlServer;
import dev.forkd.supervisor.rundir.RuntimeDirectory;

import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.ExitCodes;
import java.io.IOException;
import java.nio.file.Path;
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
 * <li>{@link WorkerExits}: acting on a worker's exit as {@link ExitDecision} (a pure function) decides, counted by {@link RestartAccounting};</li>
 * <li>{@link RuntimeDirRecovery}: a runtime directory deleted under the supervisor;</li>
 * <li>{@link SlotProofs}: slot releases held until a worker proves alive, the only state touched
 * from other threads (relay, control reader), guarded by its own lock;</li>
 * <li>{@link WorkerSpawner}: the next worker's id, slot and limits; {@link WorkerShutdown}: the end of a shutdown;</li>
 * <li>{@link PoolRequests}: the operator's reload, scale and kill.</li>
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
    private final WorkerExits exits;
    private final Heartbeat heartbeat;
    private final RuntimeDirRecovery recovery;
    private final RollingRestart rolling;
    private final WorkerDrain drains;
    private final WorkerSpawner spawner;
    private final PoolRequests requests;
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
        this.requests = new PoolRequests(this, settings.maxWorkers());
        this.exits = new WorkerExits(this, dispatch, recovery, accounting, rolling, fatal, clock, until -> notBeforeNanos = until);
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

    void post(Runnable r) {
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

    /** The operator's reload, scale and kill. */
    public PoolRequests requests() {
        return requests;
    }

    void reloadUnlessStopping() {
        if (!stopping) {
            rolling.reload();
        }
    }

    /** A scale request's new target, on the pool thread: reconcile towards it. */
    void retarget(int wanted) {
        target = wanted;
        reconcile();
    }

    public int target() {
        return target;
    }

    WorkerProcess worker(int id) {
        return workers.get(id);
    }

    private void spawn() {
        WorkerProcess w = spawner.next(workers.values(), rolling.generation());
        workers.put(w.id, w);
        try {
            spawner.launch(w, code -> post(() -> exits.exited(w, code)));
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
