package dev.forkd.supervisor;

import dev.forkd.shared.Durations;
import dev.forkd.shared.ExitCodes;
import dev.forkd.shared.RuntimeDirs;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
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
        long pid = ProcessHandle.current().pid();
        Path dir = RuntimeDirs.choose(config.runtimeDir(), System.getenv(), pid);
        boolean created;
        try {
            created = RuntimeDirs.create(dir);
        } catch (IOException e) {
            LOG.error("cannot create the runtime directory {}: {}", dir, e.toString());
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
            cleanUp(dir, created);
        }
    }

    private int runIn(Path dir) throws InterruptedException {
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
        Signals.install(this::onSignal, "TERM", "INT", "HUP", "TTIN", "TTOU");

        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("dispatch-timer"));
        ScheduledExecutorService poolThread = Executors.newSingleThreadScheduledExecutor(daemon("pool"));
        DispatchStats stats = new DispatchStats();
        Admission admission = new Admission(config.maxConnections(), config.maxPerIp());
        WorkerPool[] poolRef = new WorkerPool[1];
        Relay relay;
        try {
            relay = new Relay(relayThreads(), config.bufferSize(), config.idleTimeout().toNanos(),
                    new ClientSocketOptions(config.keepAlive()), stats, new RelayedConnection.Events() {
                        @Override
                        public void onWorkerDone(RelayedConnection c, boolean workerEndedFirst) {
                            poolRef[0].onWorkerDone((WorkerProcess) c.target, workerEndedFirst, () -> dispatcher.release(c.target));
                        }

                        @Override
                        public void onClosed(RelayedConnection c) {
                            admission.release(c.client);
                        }
                    });
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
        ProxyHeaderReader proxyReader = null;
        if (config.acceptProxy()) {
            try {
                proxyReader = new ProxyHeaderReader(Duration.ofSeconds(10), new ProxyHeaderReader.Sink() {
                    @Override
                    public void accepted(SocketChannel client, ProxiedClient info) {
                        relay.remember(client, info);
                        dispatcher.submit(client);
                    }

                    @Override
                    public void rejected(SocketChannel client) {
                        admission.release(client);
                    }
                });
                proxyReader.start();
            } catch (IOException e) {
                LOG.error("cannot open a selector: {}", e.toString());
                listener.close();
                return ExitCodes.INTERNAL;
            }
        }
        Path controlSocket = RuntimeDirs.controlSocket(dir);
        Metrics[] metricsRef = new Metrics[1];
        WorkerPool.PoolEvents events = new WorkerPool.PoolEvents() {
            @Override
            public void spawnedToReady(long nanos) {
                metricsRef[0].spawnedToReady(nanos);
            }

            @Override
            public void restarted(String reason) {
                metricsRef[0].restarted(reason);
            }

            @Override
            public void reloadComplete() {
                notifier.ready(systemdStatus());
            }
        };
        WorkerLauncher launcher = new WorkerLauncher(config, controlSocket, WorkerLauncher.archiveFor(config));
        this.launcher = launcher;
        WorkerPool pool = new WorkerPool(config, dir, launcher, dispatcher, poolThread, this::fail, events);
        poolRef[0] = pool;
        metricsRef[0] = new Metrics(stats, dispatcher, pool::snapshot, admission);
        AdminServer admin = null;
        if (config.admin() != null) {
            try {
                admin = new AdminServer(config.admin(), config, dir, pool, dispatcher, stats, metricsRef[0]);
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
            pool.controlSocket(control::restoreIfGone);
        } catch (IOException e) {
            LOG.error("cannot open the control socket {}: {}", controlSocket, e.toString());
            listener.close();
            return ExitCodes.INTERNAL;
        }
        relay.start();
        LOG.info("forkd {} starting {} worker(s) × {} connection(s), model {}, handler {}, framing {}; runtime directory {}",
                version(), config.workers(), config.connectionsPerWorker(), config.model(), config.handler(),
                config.framing().name().toLowerCase(java.util.Locale.ROOT), dir);
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
                ProxyHeaderReader reader = proxyReader;
                listener.start(reader == null ? dispatcher::submit : reader::submit, dispatcher, admission);
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
        dispatcher.close();
        pool.stopAll();
        launcher.stop();
        relay.shutdown();
        if (proxyReader != null) {
            proxyReader.close();
        }
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
        synchronized (lock) {
            if (stopMode != StopMode.GRACEFUL || fatalCode >= 0 || phase != Phase.SERVING) {
                return;
            }
            phase = Phase.DRAINING;
        }
        int live = dispatcher.active();
        int queued = dispatcher.queued();
        LOG.info("stopping gracefully: no new connections; waiting up to {} for {} live and {} queued connection(s) (TERM again to stop at once)",
                Durations.format(config.gracefulTimeout()), live, queued);
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

    private void cleanUp(Path dir, boolean created) {
        try {
            if (created) {
                RuntimeDirs.deleteRecursively(dir);
            } else {
                // a directory we were given (e.g. systemd's RuntimeDirectory): remove only our sockets
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "{control,worker-*}.sock")) {
                    for (Path p : ds) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot clean up the runtime directory {}: {}", dir, e.toString());
        }
    }

    private static int relayThreads() {
        return Integer.getInteger("forkd.relayThreads", Runtime.getRuntime().availableProcessors());
    }

    private static String version() {
        String v = Supervisor.class.getPackage().getImplementationVersion();
        return v == null ? "(dev)" : v;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
