package dev.forkd.supervisor;

import dev.forkd.shared.Durations;
import dev.forkd.shared.ExitCodes;
import dev.forkd.shared.RuntimeDirs;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * `forkd serve`: owns the runtime directory, the listener, the relay, the dispatcher and the pool,
 * starts them in order, and stops them in the reverse order with bounded waits.
 */
final class Supervisor {
    private static final Logger LOG = LogManager.getLogger(Supervisor.class);
    /** While draining, how often the main thread looks for an immediate-stop request. */
    private static final long DRAIN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    enum Phase { STARTING, SERVING, DRAINING, STOPPING }

    enum StopMode { NONE, GRACEFUL, IMMEDIATE }

    private final ServeConfig config;
    private final Object lock = new Object();
    private Phase phase = Phase.STARTING;
    private StopMode stopMode = StopMode.NONE;
    /** The signal that asked for the graceful stop, for the line that says how to hurry it; guarded by lock. */
    private String stopSignal = "TERM";
    private int fatalCode = -1;
    private boolean ready;
    private Dispatcher dispatcher;
    private WorkerPool pool;
    private WorkerLauncher launcher;
    /** Stopped in {@link #run()}'s finally too, so that no exit path leaves its token files behind. */
    private AdminServer admin;
    private final SystemdNotifier notifier = SystemdNotifier.fromEnvironment();

    Supervisor(ServeConfig config) {
        this.config = config;
    }

    int run() {
        // from here on a thread that dies stops forkd (an Error halts it): never alive and serving nothing
        FatalErrors.install(this::fail);
        long pid = ProcessHandle.current().pid();
        removeStaleRuntimeDirs();
        RuntimeDirectory dir;
        try {
            dir = RuntimeDirectory.open(config.runtimeDir(), System.getenv(), pid);
        } catch (RuntimeDirectory.InUse e) {
            LOG.error("{}", e.getMessage());
            return ExitCodes.CONFIG;
        } catch (IOException e) {
            LOG.error("cannot use the runtime directory {}: {}", RuntimeDirs.choose(config.runtimeDir(), System.getenv(), pid),
                    e instanceof RuntimeDirs.NotOurs ? e.getMessage() : e.toString());
            return ExitCodes.CONFIG;
        }
        try {
            return runIn(dir);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERNAL;
        } finally {
            if (admin != null) {
                admin.stop();
            }
            dir.cleanUp();
        }
    }

    /** Those of supervisors killed with -9, in /tmp and $XDG_RUNTIME_DIR. */
    private static void removeStaleRuntimeDirs() {
        java.util.List<Path> parents = new java.util.ArrayList<>();
        parents.add(Path.of(System.getProperty("java.io.tmpdir")));
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank()) {
            parents.add(Path.of(xdg));
        }
        int n = new StaleRuntimeDirs().clean(parents);
        if (n > 0) {
            LOG.info("removed {} stale runtime director{} of supervisors that are no longer running", n, n == 1 ? "y" : "ies");
        }
    }

    private int runIn(RuntimeDirectory dir) throws InterruptedException {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            LOG.error("cannot resolve --host {}", config.host());
            return ExitCodes.CONFIG;
        }
        Listener listener;
        try {
            listener = Listener.inherited();
            if (listener != null) {
                LOG.info("using the listening socket passed on standard input (socket activation); --host and --port are not used");
            } else {
                listener = Listener.bind(address, config.backlog());
            }
        } catch (BindException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("in use")) {
                LOG.error("port {} is already in use", config.port());
            } else {
                LOG.error("cannot listen on {}:{}: {}", config.host(), config.port(), msg);
            }
            return ExitCodes.CONFIG;
        } catch (IOException e) {
            LOG.error("cannot listen on {}:{}: {}", config.host(), config.port(), e.toString());
            return ExitCodes.CONFIG;
        }
        String unhandled = Signals.unhandledWarning(Signals.install(this::onSignal, "TERM", "INT", "HUP", "TTIN", "TTOU"));
        if (unhandled != null) {
            LOG.warn(unhandled);
        }

        ScheduledExecutorService timer = FatalErrors.scheduler("dispatch-timer");
        ScheduledExecutorService poolThread = FatalErrors.scheduler("pool");
        DispatchStats stats = new DispatchStats();
        MemoryBudget budget = MemoryBudget.fromHeap();
        HeapReport.log(budget);
        Admission admission = new Admission(config.maxConnections(), config.maxPerIp(),
                config.acceptProxy() ? Cidr.parseAll(config.trustedProxies()) : null);
        WorkerPool[] poolRef = new WorkerPool[1];
        Relay relay;
        try {
            relay = new Relay(relayThreads(), config.bufferSize(), config.idleTimeout().toNanos(), config.minRateBytesPerSecond(),
                    budget, new ClientSocketOptions(config.keepAlive()), stats, new RelayedConnection.Events() {
                        @Override
                        public void onStarted(RelayedConnection c) {
                            poolRef[0].onRelayStarted((WorkerProcess) c.target);
                        }

                        @Override
                        public void onWorkerDone(RelayedConnection c, boolean workerEndedFirst) {
                            poolRef[0].onWorkerDone((WorkerProcess) c.target, workerEndedFirst, c.workerSideEnded(),
                                    () -> dispatcher.release(c.target));
                        }

                        @Override
                        public void onClosed(RelayedConnection c) {
                            admission.release(c.client);
                        }
                    }, new WorkerPeerCheck(dev.forkd.shared.PeerCredentials.self(), new SocketOwner()));
        } catch (IOException e) {
            LOG.error("cannot open a selector: {}", e.toString());
            listener.close();
            return ExitCodes.INTERNAL;
        }
        dispatcher = new Dispatcher(config.queueBound(), config.queueTimeout(), timer, relay, stats);
        dispatcher.onDropped(c -> {
            admission.release(c);
            relay.forget(c);
        });
        Preamble preamble = null;
        if (Preamble.needed(config.acceptProxy(), config.handlerSpeaksFirst())) {
            try {
                preamble = new Preamble(config.acceptProxy(), config.handlerSpeaksFirst(), config.firstDataTimeout(), budget, stats,
                        new Preamble.Sink() {
                            @Override
                            public boolean admitDeclared(SocketChannel client, InetSocketAddress declared) {
                                return admission.admitDeclared(client, declared == null ? null : declared.getAddress());
                            }

                            @Override
                            public void ready(SocketChannel client, ProxiedClient info) {
                                relay.remember(client, info);
                                dispatcher.submit(client);
                            }

                            @Override
                            public void closed(SocketChannel client) {
                                admission.release(client);
                            }
                        });
                preamble.start();
            } catch (IOException e) {
                LOG.error("cannot open a selector: {}", e.toString());
                listener.close();
                return ExitCodes.INTERNAL;
            }
        }
        Path controlSocket = dir.controlSocket();
        Metrics[] metricsRef = new Metrics[1];
        WorkerPool.PoolEvents events = new WorkerPool.PoolEvents() {
            @Override
            public void spawnedToReady(long nanos) {
                metricsRef[0].spawnedToReady(nanos);
            }

            @Override
            public void reloadComplete() {
                notifier.ready(systemdStatus());
            }
        };
        WorkerClassArchive archive = WorkerLauncher.archiveFor(config);
        // once, at INFO: a deployment without a usable cache directory starts its workers slower, and says so
        archive.announce();
        WorkerLauncher launcher = new WorkerLauncher(config, controlSocket, archive);
        this.launcher = launcher;
        WorkerPool pool = new WorkerPool(poolSettings(config), dir, launcher, PoolDispatch.of(dispatcher), poolThread, this::fail, events);
        poolRef[0] = pool;
        metricsRef[0] = new Metrics(stats, dispatcher, pool::snapshot, pool.restarts(), admission);
        metricsRef[0].relay(budget, relay.tooSlow);
        AdminServer admin = null;
        if (config.admin() != null) {
            try {
                admin = new AdminServer(config.admin(), config, dir.path(), pool, dispatcher, stats, metricsRef[0]);
                admin.showBudget(budget);
                admin.showClients(relay::clientsOf);
                this.admin = admin;
            } catch (IOException e) {
                LOG.error("cannot serve the admin endpoint on {}: {}", Addresses.format(config.admin()),
                        e instanceof BindException ? "address already in use" : e.getMessage());
                listener.close();
                return ExitCodes.CONFIG;
            }
        }
        this.pool = pool;
        ControlServer control;
        try {
            control = new ControlServer(controlSocket, pool);
            control.start();
            pool.controlSocket(new RuntimeDirRecovery.ControlSocket() {
                @Override
                public boolean restoreIfGone() throws IOException {
                    return control.restoreIfGone();
                }

                @Override
                public void moveTo(Path path) throws IOException {
                    control.moveTo(path);
                }
            });
        } catch (IOException e) {
            LOG.error("cannot open the control socket {}: {}", controlSocket, e.toString());
            listener.close();
            return ExitCodes.INTERNAL;
        }
        relay.start();
        LOG.info("forkd {} starting {} worker(s) × {} connection(s), model {}, handler {}, framing {}; runtime directory {}",
                version(), config.workers(), config.connectionsPerWorker(), config.model(), config.handler(),
                config.framing().name().toLowerCase(java.util.Locale.ROOT), dir.path());
        if (config.enableChaos() && config.handler().equals(dev.forkd.shared.WorkerContract.CHAOS_HANDLER)) {
            LOG.warn("chaos enabled (--enable-chaos): any client may crash, hang or exhaust the workers; for experiments only");
        }
        pool.allReady().thenRun(() -> {
            synchronized (lock) {
                ready = true;
                lock.notifyAll();
            }
        });
        pool.start();

        int code = ExitCodes.OK;
        try {
            if (awaitReady()) {
                InetSocketAddress bound = listener.localAddress();
                LOG.info("listening on {} (model {}, {} worker(s), handler {})", Addresses.format(bound), config.model(), config.workers(), config.handler());
                Preamble first = preamble;
                listener.acceptWithin(budget, Relay.chunkSize(config.bufferSize()));
                listener.start(first == null ? dispatcher::submit : first::submit, dispatcher, admission);
                // after the first workers, so that it never delays them; later spawns boot faster
                launcher.prepareClassArchive();
                notifier.ready(systemdStatus());
                if (notifier.enabled()) {
                    poolThread.scheduleWithFixedDelay(() -> notifier.status(systemdStatus()), 1, 1, TimeUnit.SECONDS);
                }
                if (admin != null) {
                    admin.start(Addresses.format(bound));
                }
                awaitStopRequest();
            }
        } catch (IOException e) {
            LOG.error("listener failed: {}", e.toString());
            code = ExitCodes.INTERNAL;
        }
        notifier.stopping();
        listener.close();
        drainIfGraceful();
        setPhase(Phase.STOPPING);
        if (preamble != null) {
            // before the dispatcher closes, so that nothing it still hands on is left unclosed
            preamble.close();
        }
        dispatcher.close();
        pool.stopAll();
        launcher.stop();
        relay.shutdown();
        control.close();
        if (admin != null) {
            admin.stop();
        }
        timer.shutdownNow();
        poolThread.shutdownNow();
        synchronized (lock) {
            if (fatalCode >= 0) {
                code = fatalCode;
            }
        }
        LOG.info("stopped (exit code {})", code);
        return code;
    }

    /** True once every worker is ready; false if a stop or a fatal error came first. */
    private boolean awaitReady() throws InterruptedException {
        synchronized (lock) {
            while (!ready && stopMode == StopMode.NONE && fatalCode < 0) {
                lock.wait();
            }
            if (ready && stopMode == StopMode.NONE && fatalCode < 0) {
                phase = Phase.SERVING;
                return true;
            }
            return false;
        }
    }

    private void awaitStopRequest() throws InterruptedException {
        synchronized (lock) {
            while (stopMode == StopMode.NONE && fatalCode < 0) {
                lock.wait();
            }
        }
    }

    private void drainIfGraceful() throws InterruptedException {
        String signal;
        synchronized (lock) {
            if (stopMode != StopMode.GRACEFUL || fatalCode >= 0 || phase != Phase.SERVING) {
                return;
            }
            phase = Phase.DRAINING;
            signal = stopSignal;
        }
        int live = dispatcher.active();
        int queued = dispatcher.queued();
        LOG.info("stopping gracefully: no new connections; waiting up to {} for {} live and {} queued connection(s) (SIG{} again to stop at once)",
                Durations.format(config.gracefulTimeout()), live, queued, signal);
        long deadline = System.nanoTime() + config.gracefulTimeout().toNanos();
        while (true) {
            long slice = Math.min(deadline, System.nanoTime() + DRAIN_POLL_NANOS);
            if (dispatcher.awaitIdle(slice)) {
                LOG.info("all connections finished");
                return;
            }
            synchronized (lock) {
                if (stopMode == StopMode.IMMEDIATE || fatalCode >= 0) {
                    LOG.warn("stopping at once: closing {} live connection(s)", dispatcher.active());
                    return;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                LOG.warn("graceful timeout ({}) passed: closing {} live and {} queued connection(s)",
                        Durations.format(config.gracefulTimeout()), dispatcher.active(), dispatcher.queued());
                return;
            }
        }
    }

    private void onSignal(String name) {
        switch (name) {
            case "HUP":
                onReloadSignal();
                return;
            case "TTIN":
            case "TTOU":
                if (servingPool() != null) {
                    LOG.info("received SIG{}: one worker {}", name, name.equals("TTIN") ? "more" : "fewer");
                    servingPool().scale(name.equals("TTIN") ? 1 : -1).whenComplete((n, e) -> {
                        if (e != null) {
                            LOG.warn("SIG{} ignored: {}", name, e.getMessage());
                        }
                    });
                }
                return;
            default:
                break;
        }
        synchronized (lock) {
            if (stopMode == StopMode.NONE) {
                stopMode = StopMode.GRACEFUL;
                stopSignal = name;
                LOG.info("received SIG{}: stopping", name);
            } else {
                stopMode = StopMode.IMMEDIATE;
                LOG.info("received SIG{} again: stopping at once", name);
            }
            lock.notifyAll();
        }
    }

    private void onReloadSignal() {
        WorkerPool p = servingPool();
        if (p == null) {
            LOG.info("received SIGHUP while not serving; ignored");
            return;
        }
        LOG.info("received SIGHUP: replacing every worker, one at a time");
        notifier.reloading();
        p.reload();
    }

    /** systemctl status shows this: how many workers serve and how busy they are. */
    private String systemdStatus() {
        int ready = 0;
        int busy = 0;
        for (WorkerProcess w : pool.snapshot()) {
            if (w.state == WorkerState.READY) {
                ready++;
                if (dispatcher.active(w) > 0) {
                    busy++;
                }
            }
        }
        return ready + " workers ready, " + busy + " busy; " + dispatcher.active() + " connections, " + dispatcher.queued() + " queued";
    }

    /** The pool while serving, else null: reload and scaling make no sense while starting or stopping. */
    /** The pool's settings, in its own terms: it knows no command-line type. */
    static PoolSettings poolSettings(ServeConfig c) {
        return new PoolSettings(c.poolTarget(), c.connectionsPerWorker(), c.recycleAfter(), c.recycleJitter(),
                c.workerHeartbeat(), c.workerTimeout(), c.gracefulTimeout(), c.maxRestarts(), c.restartWindow(),
                c.maxWorkers(), c.processCap(),
                c.model() == Model.FORK_PER_CONNECTION ? PoolSettings.Replacement.AT_ONCE : PoolSettings.Replacement.AFTER_READY);
    }

    private WorkerPool servingPool() {
        synchronized (lock) {
            return phase == Phase.SERVING ? pool : null;
        }
    }

    /** Called by the pool when it cannot go on. */
    private void fail(int exitCode, String reason) {
        synchronized (lock) {
            if (fatalCode < 0) {
                fatalCode = exitCode;
                LOG.error("shutting down: {}", reason);
            }
            lock.notifyAll();
        }
    }

    private void setPhase(Phase p) {
        synchronized (lock) {
            phase = p;
        }
    }

    private static int relayThreads() {
        return Integer.getInteger("forkd.relayThreads", Runtime.getRuntime().availableProcessors());
    }

    private static String version() {
        String v = Supervisor.class.getPackage().getImplementationVersion();
        return v == null ? "(dev)" : v;
    }
}
