package dev.forkd.tools.experiment;

import dev.forkd.supervisor.Model;
import dev.forkd.supervisor.cli.AdminClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One model's part of the crash experiment: a real supervisor, the closed-loop clients, the
 * crash injector, the /status poller and the RSS sampler, for the duration; then the stragglers,
 * the last recoveries, and a TERM to the supervisor.
 */
final class ModelRun {
    private static final Logger LOG = LogManager.getLogger(ModelRun.class);
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** After the end: long enough for a connection stuck on a hung worker to fail by its read timeout. */
    static final Duration CLIENTS_GRACE = LoadClient.READ_TIMEOUT.plus(LoadClient.CONNECT_TIMEOUT).plusSeconds(5);
    private static final long TICK_MS = 250;

    private final CrashConfig config;
    private final Model model;
    private final List<CrashSchedule.Planned> plan;
    private final List<String> java;
    private final Path logFile;
    private final Progress progress;
    private final Consumer<SupervisorProcess> started;

    /** {@code started} hears of the supervisor as soon as it exists, so that a shutdown hook can kill it. */
    ModelRun(CrashConfig config, Model model, List<CrashSchedule.Planned> plan, List<String> java, Path logFile, Progress progress,
            Consumer<SupervisorProcess> started) {
        this.config = config;
        this.model = model;
        this.plan = plan;
        this.java = java;
        this.logFile = logFile;
        this.progress = progress;
        this.started = started;
    }

    ModelRunData run() throws ExperimentException, InterruptedException {
        List<String> cmd = new ArrayList<>(java);
        cmd.addAll(SupervisorCommandLine.serve(model, config));
        SupervisorProcess sup;
        try {
            sup = SupervisorProcess.start(cmd, logFile);
        } catch (IOException e) {
            throw new ExperimentException("cannot start a supervisor: " + e.getMessage());
        }
        started.accept(sup);
        try (sup) {
            sup.awaitStarted(START_TIMEOUT);
            LOG.debug("{}: supervisor pid {} listening on {}, admin {}", model, sup.pid(), sup.listen(), sup.admin());
            // the token the supervisor wrote for this user and port, as `forkd reload` finds it
            AdminClient admin = new AdminClient(sup.admin()).withToken(null);
            return drive(sup, admin);
        } catch (AdminClient.AdminException e) {
            throw new ExperimentException(model + ": admin endpoint: " + e.getMessage() + "\n" + sup.tail());
        }
    }

    private ModelRunData drive(SupervisorProcess sup, AdminClient admin)
            throws AdminClient.AdminException, InterruptedException, ExperimentException {
        long durationMs = config.duration().toMillis();
        // a first request before time 0: the HTTP client's first one loads classes for a while, and time 0 is when the load starts
        admin.get("/status");
        dev.forkd.tools.tls.ClientTls tls = config.clientTls();
        ExperimentClock clock = new ExperimentClock();
        LoadRegistry registry = new LoadRegistry();
        ThroughputBuckets throughput = new ThroughputBuckets(ThroughputBuckets.DEFAULT_BUCKET_MS, durationMs);
        List<CrashRecord> crashes;
        Map<Integer, long[]> recoveries;
        List<Long> rssPerWorker;
        List<Long> rssTotal;
        try (StatusPoller poller = new StatusPoller(admin, clock); RssSampler rss = new RssSampler(poller)) {
            poller.start();
            rss.start();
            List<Thread> clients = new ArrayList<>();
            for (int i = 1; i <= config.clients(); i++) {
                Thread t = new Thread(new LoadClient(i, sup.listen(), config.requestsPerConnection(), clock, durationMs, registry, throughput, tls),
                        "load-" + i);
                t.setDaemon(true);
                clients.add(t);
                t.start();
            }
            CrashInjector injector = new CrashInjector(plan, config.kind(), config.crashEvery().toMillis(), clock, registry, poller, admin,
                    sup.listen(), tls);
            Thread inj = new Thread(injector, "crash-injector");
            inj.setDaemon(true);
            inj.start();

            for (long t = clock.nowMs(); t < durationMs; t = clock.nowMs()) {
                if (!sup.alive()) {
                    throw new ExperimentException(model + ": the supervisor died during the run:\n" + sup.tail());
                }
                progress.tick(model, t, durationMs);
                TimeUnit.MILLISECONDS.sleep(Math.min(TICK_MS, durationMs - t));
            }
            progress.tick(model, durationMs, durationMs);
            long graceEnd = System.nanoTime() + CLIENTS_GRACE.toNanos();
            for (Thread t : clients) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(graceEnd - System.nanoTime())));
            }
            inj.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(graceEnd - System.nanoTime())));
            if (clients.stream().anyMatch(Thread::isAlive) || inj.isAlive()) {
                throw new ExperimentException(model + ": clients still running " + CLIENTS_GRACE.toSeconds() + "s after the end");
            }
            if (!poller.awaitRecoveries(Duration.ofMillis(CrashInjector.RECOVERY_DEADLINE_MS + 1000))) {
                LOG.warn("{}: gave up waiting for the last recoveries", model);
            }
            crashes = injector.records();
            rss.close();
            poller.close();
            recoveries = poller.recoveries();
            rssPerWorker = rss.perWorkerKiB();
            rssTotal = rss.totalKiB();
        }
        int exit = sup.stop(STOP_TIMEOUT);
        if (exit != 0) {
            LOG.warn("{}: the supervisor exited with code {} after TERM (its log: {})", model, exit, logFile);
        }
        List<CrashRecord> withRecovery = new ArrayList<>();
        for (CrashRecord c : crashes) {
            long[] r = recoveries.get(c.index());
            withRecovery.add(r == null ? c : c.withRecovery(r[0], r[1]));
        }
        return new ModelRunData(model, config.workersFor(model), durationMs, registry.outcomes(), withRecovery, throughput.bucketMs(),
                throughput.counts(), rssPerWorker, rssTotal, exit);
    }
}
