package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.Model;
import dev.forkd.supervisor.ServeConfig;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.rundir.RuntimeDirectory;
import dev.forkd.supervisor.rundir.SocketOwner;

import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.Durations;
import dev.forkd.shared.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps N healthy workers: spawning, replacing, heartbeating and stopping them. Restarting is
 * reconciliation (compare the live count with the target and start the difference), not a code
 * path of its own. Every state change runs on the one pool thread, so none of it needs locks.
 */
public final class WorkerPool implements ControlServer.Listener {
    private static final Logger LOG = LogManager.getLogger(WorkerPool.class);
    /** A worker that has not said ready by then is stuck in boot. */
    static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);
    /** After TERM, how long a worker has before KILL. */
    static final Duration KILL_GRACE = Duration.ofSeconds(3);

    /** Told when the pool cannot go on. */
    public interface Fatal {
        void fail(int exitCode, String reason);
    }

    /** The supervisor's control socket, which workers find by path. */
    public interface ControlSocket {
        /** Binds it again if its file is gone; true if it did. */
        boolean restoreIfGone() throws IOException;

        /** The runtime directory moved: bind at {@code path} from now on. */
        default void moveTo(java.nio.file.Path path) throws IOException {
            throw new IOException("cannot move the control socket");
        }
    }

    private final ServeConfig config;
    private final RuntimeDirectory runtimeDir;
    private final SocketOwner socketOwner = new SocketOwner();
    private final WorkerLauncher launcher;
    private final Dispatcher<WorkerProcess> dispatcher;
    private final ScheduledExecutorService exec;
    private final Fatal fatal;
    private final RestartPolicy backoff;
    private final RestartIntensity intensity;
    private final Map<Integer, WorkerProcess> workers = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> allReady = new CompletableFuture<>();
    private final RestartCounts restarts = new RestartCounts();
    private final PoolEvents events;
    /** Slot releases waiting for their worker to prove it is alive; on the pool thread only. */
    private volatile int target;
    private int nextId = 1;
    private long notBeforeNanos;
    private boolean spawnScheduled;
    private boolean stopping;
    private boolean rolling;
    /** Bumped by each reload: a worker launched in an older one runs the old code and is rolled (gunicorn's rule). */
    private int generation;
    private final AtomicLong pingSeq = new AtomicLong();
    /** How long a proof ping waits for more closes to cover while the worker has slots to spare. */
    private static final long PROOF_BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** When the heartbeat last ran (0 before its first run); on the pool thread only. */
    private long lastTickNanos;
    private volatile ControlSocket controlSocket = () -> false;
    private boolean runtimeDirLossReported;
    private final RateLimitedLog runtimeDirFailures = new RateLimitedLog(LOG, org.apache.logging.log4j.Level.ERROR, 10, TimeUnit.SECONDS);

    /** A slot release held until the worker answers ping {@code seq} (or a later one). */
    /** What the metrics want to hear about. */
    public interface PoolEvents {
        void spawnedToReady(long nanos);

        /** A rolling restart has replaced every worker. */
        default void reloadComplete() {
        }

        PoolEvents NONE = new PoolEvents() {
            @Override
            public void spawnedToReady(long nanos) {
            }
        };
    }

    public WorkerPool(ServeConfig config, RuntimeDirectory runtimeDir, WorkerLauncher launcher, Dispatcher<WorkerProcess> dispatcher,
            ScheduledExecutorService exec, Fatal fatal) {
        this(config, runtimeDir, launcher, dispatcher, exec, fatal, PoolEvents.NONE);
    }

    public WorkerPool(ServeConfig config, RuntimeDirectory runtimeDir, WorkerLauncher launcher, Dispatcher<WorkerProcess> dispatcher,
            ScheduledExecutorService exec, Fatal fatal, PoolEvents events) {
        this.events = events;
        this.config = config;
        this.runtimeDir = runtimeDir;
        this.launcher = launcher;
        this.dispatcher = dispatcher;
        this.exec = exec;
        this.fatal = fatal;
        this.target = config.poolTarget();
        dispatcher.onExhausted(t -> post(() -> exhausted(t)));
        dispatcher.onUnreachable(t -> post(() -> unreachable(t)));
        this.backoff = new RestartPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofSeconds(2),
                () -> ThreadLocalRandom.current().nextDouble());
        this.intensity = new RestartIntensity(config.maxRestarts(), config.restartWindow());
    }

    /** Set by the supervisor, which owns the control socket, before {@link #start()}. */
    public void controlSocket(ControlSocket socket) {
        this.controlSocket = socket;
    }

    public void start() {
        post(this::reconcile);
        long hb = config.workerHeartbeat().toNanos();
        // the first beat measures its gap from here: a supervisor stopped before its first tick was still stopped
        lastTickNanos = System.nanoTime();
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

    /** Every worker that ended while the pool ran, by reason: what /status, the status table and /metrics show. */
    public RestartCounts restarts() {
        return restarts;
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

    private void reconcile() {
        if (stopping) {
            return;
        }
        long live = workers.values().stream().filter(WorkerPool::countsAsLive).count();
        if (live > target) {
            retireSurplus((int) (live - target));
            return;
        }
        long alive = workers.values().stream().filter(w -> w.state != WorkerState.EXITED).count();
        long deficit = Math.min(target - live, config.processCap() - alive);
        if (deficit <= 0) {
            return;
        }
        long wait = notBeforeNanos - System.nanoTime();
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

    /** Live: will serve new connections for the foreseeable future (not being replaced, drained or stopped). */
    private static boolean countsAsLive(WorkerProcess w) {
        return (w.state == WorkerState.STARTING || w.state == WorkerState.READY) && w.replaceReason == null;
    }

    /** Scaling down: drain the least busy live workers, those still booting first. */
    private void retireSurplus(int n) {
        List<WorkerProcess> live = new ArrayList<>();
        for (WorkerProcess w : workers.values()) {
            if (countsAsLive(w)) {
                live.add(w);
            }
        }
        live.sort(java.util.Comparator.<WorkerProcess>comparingInt(w -> w.state == WorkerState.STARTING ? 0 : 1)
                .thenComparingInt(dispatcher::active)
                .thenComparing(w -> -w.id));
        for (int i = 0; i < n && i < live.size(); i++) {
            WorkerProcess w = live.get(i);
            try (var ctx = WorkerLogContext.of(w)) {
                if (w.state == WorkerState.STARTING) {
                    LOG.info("{}: not needed any more; stopping it", w.label());
                    w.exitReason = RestartReason.SCALE;
                    w.exitDetail = RestartReason.SCALE.label();
                    terminate(w, System.nanoTime());
                } else {
                    drain(w, RestartReason.SCALE);
                }
            }
        }
    }

    /** The worker took its last connection (its --recycle-after limit): replace it, then drain it. */
    private void exhausted(WorkerProcess w) {
        if (w.state != WorkerState.READY || stopping) {
            return;
        }
        try (var ctx = WorkerLogContext.of(w)) {
            LOG.debug("{} reached its recycle limit of {} connection(s)", w.label(), w.assignmentLimit);
        }
        w.replaceReason = RestartReason.RECYCLE;
        reconcile();
        pairReplacement(false);
    }

    /**
     * One for one: each new worker that becomes ready lets the oldest worker waiting for a
     * replacement drain (fork-per-connection drains at once instead: its worker exits after its
     * one connection, whatever the spares). Then the next step of a rolling restart, if any.
     */
    private void pairReplacement(boolean newWorkerReady) {
        boolean fpc = config.model() == Model.FORK_PER_CONNECTION;
        if (newWorkerReady || fpc) {
            workers.values().stream()
                    .filter(w -> w.state == WorkerState.READY && w.replaceReason != null)
                    .min(java.util.Comparator.comparingInt(w -> w.id))
                    .ifPresent(old -> drain(old, old.replaceReason));
        }
        continueRolling();
    }

    /** One at a time: the next worker is rolled once the one being replaced has been let go. */
    private void continueRolling() {
        if (rolling && workers.values().stream().noneMatch(w -> w.replaceReason == RestartReason.RELOAD && w.state == WorkerState.READY)) {
            rollNext();
        }
    }

    /**
     * Stops sending it connections, waits until every stream already sent has reached its
     * backlog, then tells it to drain: it takes those, finishes its live connections and exits.
     */
    private void drain(WorkerProcess w, RestartReason reason) {
        drain(w, reason, reason.label());
    }

    /** @param detail why, in words, for the log (e.g. which way its socket was lost) */
    private void drain(WorkerProcess w, RestartReason reason, String detail) {
        w.state = WorkerState.DRAINING;
        w.exitReason = reason;
        w.exitDetail = detail;
        w.drainStartedNanos = System.nanoTime();
        dispatcher.removeTarget(w);
        try {
            dispatcher.awaitNoOpening(w);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var ctx = WorkerLogContext.of(w)) {
            LOG.info("{} draining ({}): {} live connection(s)", w.label(), detail, dispatcher.active(w));
        }
        if (w.control == null || !w.control.send(ControlMessage.drain())) {
            terminate(w, System.nanoTime());
        }
    }

    /**
     * HUP: replace every worker launched before it, one at a time, each new one ready before the
     * old one drains. That includes workers still booting (a crashed worker's replacement, say):
     * they run the old code too, and are replaced once ready. A HUP during a rolling restart
     * extends it to the workers that restart had started.
     */
    public void reload() {
        post(() -> {
            if (stopping) {
                return;
            }
            generation++;
            rolling = true;
            long ready = 0;
            long booting = 0;
            for (WorkerProcess w : workers.values()) {
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
        });
    }

    /** Launched before the latest reload, serving or booting, and not already being replaced or let go. */
    private boolean isOld(WorkerProcess w) {
        return w.generation < generation && countsAsLive(w);
    }

    private void rollNext() {
        WorkerProcess next = null;
        boolean booting = false;
        for (WorkerProcess w : workers.values()) {
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
            reconcile();
            return;
        }
        if (booting) {
            return; // its ready() comes back here
        }
        rolling = false;
        LOG.info("rolling restart complete");
        events.reloadComplete();
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
            if (wanted > config.maxWorkers()) {
                done.completeExceptionally(new ScaleRefused("cannot scale from " + before + " to " + wanted
                        + " worker(s): the limit is --max-workers " + config.maxWorkers()));
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

    /** For experiments: signal one worker. Returns false if there is no such worker. */
    public CompletableFuture<Boolean> kill(int id, boolean force) {
        return kill(id, force, w -> { });
    }

    /** {@code atSignal} runs on the pool's thread just before the signal is sent, e.g. to note the connections the worker holds. */
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
        int id = nextId++;
        WorkerProcess w = new WorkerProcess(id, runtimeDir.workerSocket(id), config.connectionsPerWorker(), assignmentLimit());
        w.slot = freeSlot();
        w.generation = generation;
        workers.put(id, w);
        try {
            launcher.launch(w, code -> post(() -> onExit(w, code)));
            try (var ctx = WorkerLogContext.of(w)) {
                LOG.debug("started {}", w.label());
            }
        } catch (IOException e) {
            workers.remove(id);
            LOG.error("cannot start a worker JVM: {}", e.toString());
            fatal.fail(ExitCodes.BOOT_FAILURE, "cannot start worker JVMs");
        }
    }

    private int freeSlot() {
        java.util.Set<Integer> used = new java.util.HashSet<>();
        for (WorkerProcess w : workers.values()) {
            if (w.state != WorkerState.EXITED && w.state != WorkerState.DRAINING && w.replaceReason == null) {
                used.add(w.slot);
            }
        }
        int slot = 1;
        while (used.contains(slot)) {
            slot++;
        }
        return slot;
    }

    /** --recycle-after plus up to --recycle-jitter, so that workers started together are not recycled together. */
    private long assignmentLimit() {
        if (config.recycleAfter() <= 0) {
            return Long.MAX_VALUE;
        }
        long jitter = config.recycleJitter() > 0 ? ThreadLocalRandom.current().nextLong(config.recycleJitter() + 1) : 0;
        return config.recycleAfter() + jitter;
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
        long now = System.nanoTime();
        w.control = s;
        if (socketOwner.check(w.socket, w.pid > 0 ? w.pid : s.pid) == SocketOwner.Verdict.NOT_HELD) {
            // someone else bound its path (in a runtime directory others could write to): never send it a client
            try (var ctx = WorkerLogContext.of(w)) {
                LOG.error("{}: the listening socket at {} is not (only) its own: another process has bound that path; "
                        + "not using it, replacing it", w.label(), w.socket);
            }
            w.exitReason = RestartReason.SOCKET;
            w.exitDetail = "socket not its own";
            terminate(w, now);
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
        dispatcher.addTarget(w);
        if (!allReady.isDone() && countIn(WorkerState.READY) >= target) {
            allReady.complete(null);
        }
        pairReplacement(true);
    }

    @Override
    public void onPong(ControlSession s, long seq) {
        WorkerProcess w = workers.get(s.workerId);
        if (w != null && w.control == s) {
            w.lastPongNanos = System.nanoTime();
            proven(w, seq);
        }
    }

    /**
     * Runs {@code release} (a slot of {@code w} freed) once {@code w} has answered a ping sent
     * after now, or has exited. Called when the worker's end of a connection closed while its
     * client was still there, which is also the first sign of a worker's death: a killed worker's
     * connections close an instant before its listening socket, and a client sent there in between
     * would be reset, lost with a worker it never used. A dying process runs no code once its
     * files are being closed, so an answer to a later ping proves the close was the worker's own.
     */
    private void releaseWhenAlive(WorkerProcess w, Runnable release) {
        // Not on the pool thread: this happens for every connection the worker closes first (HTTP
        // Connection: close). One proof ping is out per worker at a time, and releases that come
        // meanwhile share the next one.
        boolean gone;
        synchronized (w) {
            gone = w.proofsClosed;
            if (!gone) {
                w.unasked.add(release);
            }
        }
        if (gone) {
            release.run(); // the worker is gone: nothing will be sent to it
        } else {
            askForProof(w);
        }
    }

    /**
     * Asks {@code w} to prove alive for its unasked releases, unless a ping is already out or due.
     * While the worker has slots to spare, the ping waits PROOF_BATCH so that a stream of closes
     * shares one; once its slots run short (always, for a prefork worker), it goes at once.
     */
    private void askForProof(WorkerProcess w) {
        long seq;
        synchronized (w) {
            if (w.proofsClosed || w.proofSeq != 0 || w.proofScheduled || w.unasked.isEmpty()) {
                return;
            }
            // the dispatcher's lock inside the worker's, the order takenDown() takes them in too
            if (w.capacity - dispatcher.active(w) > Math.max(1, w.capacity / 4)) {
                w.proofScheduled = true;
                seq = 0;
            } else {
                seq = startProof(w);
            }
        }
        if (seq != 0) {
            sendProofPing(w, seq);
        } else {
            scheduleProof(w);
        }
    }

    /** Under w's lock: the unasked releases wait for a new ping, whose number is returned. */
    private long startProof(WorkerProcess w) {
        w.asked = w.unasked;
        w.unasked = new ArrayList<>();
        w.proofSeq = pingSeq.incrementAndGet();
        return w.proofSeq;
    }

    private void scheduleProof(WorkerProcess w) {
        try {
            exec.schedule(() -> {
                long seq;
                synchronized (w) {
                    w.proofScheduled = false;
                    if (w.proofsClosed || w.proofSeq != 0 || w.unasked.isEmpty()) {
                        return;
                    }
                    seq = startProof(w);
                }
                sendProofPing(w, seq);
            }, PROOF_BATCH_NANOS, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the pool is shutting down: every worker's exit releases its slots
            LOG.debug("{}: no proof ping while shutting down", w.label());
        }
    }

    private void sendProofPing(WorkerProcess w, long seq) {
        ControlSession c = w.control;
        if (c == null || !c.send(ControlMessage.ping(seq))) {
            // nothing to ask on: its exit, or its heartbeat timeout and then its exit, releases the slots
            LOG.debug("{}: cannot ask whether it is alive; its slots wait for its exit", w.label());
        }
    }

    /**
     * {@code w} answered ping {@code seq}, on the control reader's thread. Any ping numbered from
     * the proof ping on was sent after the closes it covers, so its answer proves them.
     */
    private void proven(WorkerProcess w, long seq) {
        List<Runnable> released;
        synchronized (w) {
            if (w.proofSeq == 0 || seq < w.proofSeq) {
                return;
            }
            released = w.asked;
            w.asked = new ArrayList<>();
            w.proofSeq = 0;
        }
        released.forEach(Runnable::run);
        askForProof(w);
    }

    /** A stream to {@code w} is open and a client is relayed over it; on the dispatching thread. */
    public void onRelayStarted(WorkerProcess w) {
        synchronized (w) {
            w.relaying++;
        }
    }

    /**
     * A relayed connection of {@code w} is done on the worker's side; on a relay thread. Counts it,
     * and frees its slot with {@code release}: at once, or, if the worker's end closed first, once
     * the worker proves alive (see {@link #releaseWhenAlive}).
     *
     * <p>A worker's death closes its streams as an ordinary close would, and the relay may see that
     * before the pool sees the exit; the client may even have half-closed first, waiting for an
     * answer that never comes. So every connection whose worker side ended (EOF, reset, a failed
     * write) is a suspect until the worker answers a ping sent after that end; a suspect still
     * unproven when the exit is seen was taken down with the worker. The slot is held meanwhile only
     * if the worker ended first (a client may still be waiting for that worker); otherwise it is free
     * at once and the proof is only for the count.
     *
     * @param workerSideEnded the worker's end closed or broke (not: the supervisor closed a live stream)
     */
    public void onWorkerDone(WorkerProcess w, boolean workerEndedFirst, boolean workerSideEnded, Runnable release) {
        boolean suspect = workerSideEnded || workerEndedFirst;
        synchronized (w) {
            w.served++;
            w.relaying--;
            if (suspect) {
                w.suspects++;
            }
        }
        if (!suspect) {
            release.run();
            return;
        }
        Runnable cleared = () -> {
            synchronized (w) {
                w.suspects--;
            }
        };
        if (workerEndedFirst) {
            // maybe the worker is dying: no new client for its slot until it proves alive
            releaseWhenAlive(w, () -> {
                cleared.run();
                release.run();
            });
        } else {
            release.run();
            releaseWhenAlive(w, cleared);
        }
    }

    /**
     * Called once, when its exit is seen, under w's lock: the connections it was serving then (still
     * relayed, or ended on its side without proof that it outlived the end). Each connection is in
     * one of the two counts at a time, so none is counted twice.
     */
    private static int takenDown(WorkerProcess w) {
        return w.relaying + w.suspects;
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
        dispatcher.removeTarget(w);
        List<Runnable> unproven = new ArrayList<>();
        int takenDown;
        synchronized (w) {
            // gone: its slots can be let go, and nothing new is sent to it
            w.proofsClosed = true;
            w.proofSeq = 0;
            takenDown = takenDown(w);
            unproven.addAll(w.asked);
            unproven.addAll(w.unasked);
            w.asked.clear();
            w.unasked.clear();
        }
        unproven.forEach(Runnable::run);
        if (w.control != null) {
            w.control.close();
        }
        try {
            // only its own: a file another user put at the path (an impostor's socket) is evidence, not ours to delete
            if (w.distrusted.get() == null && inRuntimeDir(w)) {
                Files.deleteIfExists(w.socket);
            }
        } catch (IOException e) {
            // a stale socket is replaced by the next bind; worth a line, not a failure
            LOG.debug("removing {}: {}", w.socket, e.toString());
        }
        long now = System.nanoTime();
        String uptime = human(now - w.launchedNanos);
        if (stopping) {
            LOG.info("{} exited ({})", w.label(), ExitStatus.describe(code));
            return;
        }
        RestartReason reason = w.exitReason;
        if (reason != null && !reason.unplanned()) {
            // its last connections ended just before it exited, as a drained worker's do: no count of them here
            restarts.record(w.slot, reason);
            LOG.info("{} exited after draining ({}; {})", w.label(), w.exitDetail, ExitStatus.describe(code));
            reconcile();
            // a booting worker the restart waited for may have been scaled away: nothing else would end it
            continueRolling();
            return;
        }
        if (!w.everReady()) {
            restarts.record(w.slot, RestartReason.BOOT_FAILURE);
            if (code == ExitCodes.BOOT_FAILURE && (runtimeDirLost() || !inRuntimeDir(w))) {
                // it could not bind its socket or reach the control socket: not its fault, nor a reason to give up
                LOG.warn("{} could not boot: the runtime directory was deleted under it", w.label());
                checkRuntimeDir();
                reconcile();
                return;
            }
            if (code == ExitCodes.BOOT_FAILURE) {
                LOG.error("{} failed to boot (exit code 3); its log lines above say why. Not retrying: fix the cause and start forkd again",
                        w.label());
                fatal.fail(ExitCodes.BOOT_FAILURE, "workers cannot boot");
                return;
            }
            LOG.warn("{} exited before it was ready ({}, after {})", w.label(), ExitStatus.describe(code), uptime);
        } else if (reason == RestartReason.HANG || was == WorkerState.STOPPING) {
            restarts.record(w.slot, RestartReason.HANG);
            LOG.warn("{} is gone ({}); replacing it; it took down {} client connection(s)", w.label(), ExitStatus.describe(code), takenDown);
        } else {
            restarts.record(w.slot, RestartReason.CRASH);
            String what = code == ExitCodes.BOOT_FAILURE
                    ? "ran out of memory (OutOfMemoryError, exit code 3)"
                    : "exited unexpectedly (" + ExitStatus.describe(code) + ")";
            LOG.warn("{} {} after {} uptime; it took down {} client connection(s)", w.label(), what, uptime, takenDown);
        }
        if (intensity.recordAndCheckExceeded(now)) {
            LOG.error("more than {} worker restarts within {}: giving up (exit 70) so that the service manager can act",
                    config.maxRestarts(), Durations.format(config.restartWindow()));
            fatal.fail(ExitCodes.INTERNAL, "restart intensity exceeded");
            return;
        }
        long uptimeNanos = w.everReady() ? now - w.readyNanos : now - w.launchedNanos;
        long delay = backoff.onExit(uptimeNanos);
        if (delay > 0) {
            notBeforeNanos = now + delay;
            LOG.warn("{} fast exits in a row: next worker start in {} ms", backoff.consecutiveFast(), TimeUnit.NANOSECONDS.toMillis(delay));
        }
        reconcile();
    }

    /** The heartbeat: pings, liveness, boot timeouts, and TERM→KILL escalation by elapsed time. */
    private void tick() {
        try {
            long now = System.nanoTime();
            long timeout = config.workerTimeout().toNanos();
            creditPause(now, timeout);
            checkRuntimeDir();
            for (WorkerProcess w : workers.values()) {
                try (var ctx = WorkerLogContext.of(w)) {
                    beat(w, now, timeout);
                }
            }
        } catch (RuntimeException e) {
            // the heartbeat must survive anything, or no hung worker would ever be noticed again
            LOG.error("heartbeat failed: {}", e.toString(), e);
        }
    }

    /** One worker's part of the heartbeat. */
    private void beat(WorkerProcess w, long now, long timeout) {
        switch (w.state) {
            case DRAINING:
                if (now - w.drainStartedNanos > config.gracefulTimeout().toNanos()) {
                    LOG.warn("{} still has connections {} after it was told to drain; stopping it",
                            w.label(), Durations.format(config.gracefulTimeout()));
                    terminate(w, now);
                    break;
                }
                // a draining worker is still heartbeated: a hang while draining is still a hang
            case READY:
                if (now - w.lastPongNanos > timeout) {
                    LOG.warn("worker {} (pid {}) timed out: no heartbeat answer for {}; killing it",
                            w.id, w.pid, Durations.format(config.workerTimeout()));
                    // counted as a hang even while draining: the drain's reason did not end it
                    w.exitReason = RestartReason.HANG;
                    w.exitDetail = RestartReason.HANG.label();
                    terminate(w, now);
                } else if (w.control != null) {
                    w.control.send(ControlMessage.ping(pingSeq.incrementAndGet()));
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

    /** The directory is gone or not ours any more, or its control socket's file is gone. */
    private boolean runtimeDirLost() {
        return !runtimeDir.intact() || !Files.exists(runtimeDir.controlSocket(), LinkOption.NOFOLLOW_LINKS);
    }

    /** Its socket is in the current runtime directory (not one forkd moved away from). */
    private boolean inRuntimeDir(WorkerProcess w) {
        return runtimeDir.path().equals(w.socket.getParent());
    }

    /**
     * The runtime directory can be deleted under a running supervisor (rm -rf, a tmp cleaner, a
     * service manager's RuntimeDirectory removed by hand), and the sockets go with it. Streams
     * already open keep working, but no new stream can reach a worker by its path and no new
     * worker can bind its socket or reach the control socket: left alone, every new connection
     * would wait in the queue until it timed out, for good. So, on the heartbeat and whenever a
     * worker cannot be reached: recreate the directory (0700), bind the control socket again,
     * and replace every worker whose socket is gone. Those serving connections drain (they finish
     * them; they can take no new ones anyway); those still booting are stopped.
     */
    private void checkRuntimeDir() {
        if (stopping || !runtimeDirLost()) {
            return;
        }
        if (!runtimeDirLossReported) {
            LOG.error("{} was deleted under the running supervisor: no new connection can reach a worker; "
                    + "recreating it (mode 0700) and replacing every worker", runtimeDir.intact()
                    ? "the control socket in " + runtimeDir.path() : "the runtime directory " + runtimeDir.path());
            runtimeDirLossReported = true;
        }
        try {
            if (runtimeDir.restore() == RuntimeDirectory.Change.MOVED) {
                // replacements get the new path on their command line; old workers keep their control channels
                launcher.controlSocket(runtimeDir.controlSocket());
                controlSocket.moveTo(runtimeDir.controlSocket());
            } else {
                controlSocket.restoreIfGone();
            }
        } catch (IOException e) {
            runtimeDirFailures.log("cannot recreate the runtime directory {} ({}): no worker can be reached or started; "
                    + "trying again at the next heartbeat", runtimeDir.path(), e.toString());
            return;
        }
        runtimeDirLossReported = false;
        long now = System.nanoTime();
        for (WorkerProcess w : new ArrayList<>(workers.values())) {
            if (w.state == WorkerState.STARTING) {
                // it may have bound its socket in the old directory, which no one can reach
                w.exitReason = RestartReason.SOCKET;
                w.exitDetail = "runtime directory deleted";
                terminate(w, now);
            } else if (w.state == WorkerState.READY && (!inRuntimeDir(w) || !Files.exists(w.socket, LinkOption.NOFOLLOW_LINKS))) {
                // a socket left in a directory forkd moved away from is someone else's path now, even if a file is there
                drain(w, RestartReason.SOCKET, "runtime directory deleted");
            }
        }
        reconcile();
    }

    /** The dispatcher could not open a stream to {@code w} and took it out. */
    private void unreachable(WorkerProcess w) {
        checkRuntimeDir();
        if (w.distrusted.get() != null) {
            // another user answered at its socket (logged once by WorkerPeerCheck): its replacement binds a fresh one
            if (!stopping && w.state == WorkerState.READY) {
                drain(w, RestartReason.SOCKET, "socket answered by another user");
                reconcile();
            }
            return;
        }
        if (stopping || w.state != WorkerState.READY || Files.exists(w.socket, LinkOption.NOFOLLOW_LINKS)
                || !w.handle().map(ProcessHandle::isAlive).orElse(false)) {
            // a socket that is there but refuses belongs to a worker on its way out: its exit is what the pool acts on
            return;
        }
        try (var ctx = WorkerLogContext.of(w)) {
            LOG.error("{}: its socket {} was deleted, so no connection can reach it; replacing it", w.label(), w.socket);
        }
        drain(w, RestartReason.SOCKET, "socket deleted");
        reconcile();
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
    private void creditPause(long now, long timeout) {
        long hb = config.workerHeartbeat().toNanos();
        long gap = now - lastTickNanos;
        lastTickNanos = now;
        // "much later": a whole beat missed, or half the timeout if that is shorter (a pause that long
        // already eats most of a worker's allowance); never under 1.5 beats, which is only jitter
        if (gap <= Math.max(hb * 3 / 2, Math.min(2 * hb, timeout / 2))) {
            return;
        }
        long credit = gap - hb;
        LOG.warn("the heartbeat did not run for {} (every {} expected): the supervisor was stopped or starved; "
                + "not counting that time against the workers", human(gap), Durations.format(config.workerHeartbeat()));
        for (WorkerProcess w : workers.values()) {
            if (w.state == WorkerState.READY || w.state == WorkerState.DRAINING) {
                w.lastPongNanos = Math.min(now, w.lastPongNanos + credit);
            }
        }
    }

    private void terminate(WorkerProcess w, long now) {
        w.state = WorkerState.STOPPING;
        dispatcher.removeTarget(w);
        w.stopRequestedNanos = now;
        w.termSent = true;
        w.handle().ifPresent(ProcessHandle::destroy);
    }

    private void escalate(WorkerProcess w, long now) {
        if (w.termSent && !w.killSent && now - w.stopRequestedNanos > KILL_GRACE.toNanos()) {
            LOG.warn("{} still running {} after TERM; sending KILL", w.label(), Durations.format(KILL_GRACE));
            w.killSent = true;
            w.handle().ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** 850ms, 2.1s, 3m12s: how long a worker lived, for people. */
    public static String human(long nanos) {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        return s / 3600 > 0 ? (s / 3600) + "h" + (s % 3600 / 60) + "m" : (s / 60) + "m" + (s % 60) + "s";
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
     * bounded wait. Called on the supervisor's main thread while shutting down.
     */
    public void stopAll() throws InterruptedException {
        CompletableFuture<List<WorkerProcess>> marked = new CompletableFuture<>();
        post(() -> {
            stopping = true;
            List<WorkerProcess> all = new ArrayList<>(workers.values());
            for (WorkerProcess w : all) {
                w.state = WorkerState.STOPPING;
                dispatcher.removeTarget(w);
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
        if (!awaitExit(all, Duration.ofSeconds(2))) {
            for (WorkerProcess w : all) {
                w.handle().filter(ProcessHandle::isAlive).ifPresent(h -> {
                    try (var ctx = WorkerLogContext.of(w)) {
                        LOG.warn("{} did not stop when told; sending TERM", w.label());
                    }
                    h.destroy();
                });
            }
            if (!awaitExit(all, KILL_GRACE)) {
                for (WorkerProcess w : all) {
                    w.handle().filter(ProcessHandle::isAlive).ifPresent(h -> {
                        try (var ctx = WorkerLogContext.of(w)) {
                            LOG.warn("{} still running after TERM; sending KILL", w.label());
                        }
                        h.destroyForcibly();
                    });
                }
                awaitExit(all, Duration.ofSeconds(2));
            }
        }
    }

    private static boolean awaitExit(List<WorkerProcess> all, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (WorkerProcess w : all) {
            Process p = w.process;
            if (p == null) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }
}
