package dev.forkd.supervisor;

import dev.forkd.supervisor.common.Addresses;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.pool.WorkerPool;
import dev.forkd.supervisor.pool.WorkerProcess;
import dev.forkd.supervisor.pool.WorkerState;
import dev.forkd.supervisor.rundir.RuntimeDirectory;
import dev.forkd.supervisor.rundir.StaleRuntimeDirs;
import dev.forkd.supervisor.systemd.SystemdNotifier;
import dev.forkd.shared.Durations;
import dev.forkd.shared.ExitCodes;
import dev.forkd.shared.RuntimeDirs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * `forkd serve`: its phases and signals. The parts (runtime directory, listener, relay, dispatcher,
 * pool, ...) are an {@link Assembly}, started in order and stopped in the reverse order with
 * bounded waits, whether the stop is asked for or a part fails to start.
 */
public final class Supervisor {
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
    /** Set once built, before any signal can ask for the pool. */
    private volatile Assembly assembly;
    private final SystemdNotifier notifier = SystemdNotifier.fromEnvironment();

    public Supervisor(ServeConfig config) {
        this.config = config;
    }

    public int run() {
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
        Parts started = new Parts();
        started.add("runtime directory", dir, dir::cleanUp);
        try {
            // a rolling restart is complete: systemd hears that the service is ready again
            Assembly built = new Assembly(config, dir, started, this::fail, () -> notifier.ready(systemdStatus()));
            assembly = built;
            return serve(built, dir, started);
        } catch (Assembly.StartFailure e) {
            return e.exitCode;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERNAL;
        } finally {
            started.close();
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

    /** Starts the workers, accepts once they are ready, and stops every part when asked to. */
    private int serve(Assembly a, RuntimeDirectory dir, Parts started) throws InterruptedException {
        String unhandled = Signals.unhandledWarning(Signals.install(this::onSignal, "TERM", "INT", "HUP", "TTIN", "TTOU"));
        if (unhandled != null) {
            LOG.warn(unhandled);
        }
        LOG.info("forkd {} starting {} worker(s) × {} connection(s), model {}, handler {}, framing {}; runtime directory {}",
                version(), config.workers(), config.connectionsPerWorker(), config.model(), config.handler(),
                config.framing().name().toLowerCase(java.util.Locale.ROOT), dir.path());
        if (config.enableChaos() && config.handler().equals(dev.forkd.shared.WorkerContract.CHAOS_HANDLER)) {
            LOG.warn("chaos enabled (--enable-chaos): any client may crash, hang or exhaust the workers; for experiments only");
        }
        a.pool.allReady().thenRun(() -> {
            synchronized (lock) {
                ready = true;
                lock.notifyAll();
            }
        });
        a.pool.start();

        int code = ExitCodes.OK;
        if (awaitReady()) {
            InetSocketAddress bound = a.listener.localAddress();
            LOG.info("listening on {} (model {}, {} worker(s), handler {})", Addresses.format(bound), config.model(), config.workers(), config.handler());
            a.startAccepting();
            // after the first workers, so that it never delays them; later spawns boot faster
            a.launcher.prepareClassArchive();
            notifier.ready(systemdStatus());
            if (notifier.enabled()) {
                a.poolThread.scheduleWithFixedDelay(() -> notifier.status(systemdStatus()), 1, 1, TimeUnit.SECONDS);
            }
            if (a.admin != null) {
                a.admin.start(Addresses.format(bound));
            }
            awaitStopRequest();
        }
        notifier.stopping();
        notReady();
        delayIfGraceful();
        a.listener.close();
        drainIfGraceful(a.dispatcher);
        setPhase(Phase.STOPPING);
        started.close();
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

    /**
     * --shutdown-delay: goes on accepting for that long while /ready answers 503, so that a load
     * balancer's health check (or Kubernetes' endpoint removal) takes forkd out of rotation before
     * it stops accepting; a connection that arrives meanwhile is served, not refused.
     */
    private void delayIfGraceful() throws InterruptedException {
        java.time.Duration delay = config.shutdownDelay();
        String signal;
        synchronized (lock) {
            if (delay.isZero() || stopMode != StopMode.GRACEFUL || fatalCode >= 0 || phase != Phase.SERVING) {
                return;
            }
            signal = stopSignal;
        }
        LOG.info("stopping: still accepting for {} (--shutdown-delay) while /ready answers 503, so that load balancers stop sending first "
                + "(SIG{} again to stop at once)", Durations.format(delay), signal);
        long deadline = System.nanoTime() + delay.toNanos();
        synchronized (lock) {
            while (stopMode == StopMode.GRACEFUL && fatalCode < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    /** From the moment a stop begins, whatever its cause: /ready answers 503. */
    private void notReady() {
        Assembly a = assembly;
        if (a != null && a.admin != null) {
            a.admin.stopping();
        }
    }

    private void drainIfGraceful(Dispatcher<WorkerProcess> dispatcher) throws InterruptedException {
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
                    servingPool().requests().scale(name.equals("TTIN") ? 1 : -1).whenComplete((n, e) -> {
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
                notReady();
            } else {
                stopMode = StopMode.IMMEDIATE;
                LOG.info("received SIG{} again: stopping at once", name);
            }
            lock.notifyAll();
        }
    }

    private void onReloadSignal() {
        Assembly a = assembly;
        if (a != null && a.tls != null) {
            LOG.info("received SIGHUP: reading the TLS certificates and keys again");
            a.tls.reload();
        }
        WorkerPool p = servingPool();
        if (p == null) {
            LOG.info("received SIGHUP while not serving; ignored");
            return;
        }
        LOG.info("received SIGHUP: replacing every worker, one at a time");
        notifier.reloading();
        p.requests().reload();
    }

    /** systemctl status shows this: how many workers serve and how busy they are. */
    private String systemdStatus() {
        Dispatcher<WorkerProcess> dispatcher = assembly.dispatcher;
        int ready = 0;
        int busy = 0;
        for (WorkerProcess w : assembly.pool.snapshot()) {
            if (w.state == WorkerState.READY) {
                ready++;
                if (dispatcher.active(w) > 0) {
                    busy++;
                }
            }
        }
        return ready + " workers ready, " + busy + " busy; " + dispatcher.active() + " connections, " + dispatcher.queued() + " queued";
    }

    private WorkerPool servingPool() {
        synchronized (lock) {
            return phase == Phase.SERVING ? assembly.pool : null;
        }
    }

    /** Called by the pool when it cannot go on. */
    private void fail(int exitCode, String reason) {
        synchronized (lock) {
            if (fatalCode < 0) {
                fatalCode = exitCode;
                LOG.error("shutting down: {}", reason);
                notReady();
            }
            lock.notifyAll();
        }
    }

    private void setPhase(Phase p) {
        synchronized (lock) {
            phase = p;
        }
    }

    private static String version() {
        String v = Supervisor.class.getPackage().getImplementationVersion();
        return v == null ? "(dev)" : v;
    }
}
