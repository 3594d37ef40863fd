package dev.forkd.tools.experiment;

import dev.forkd.supervisor.cli.AdminClient;
import dev.forkd.shared.Durations;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Crashes workers on the seeded schedule, one crash after the other (a late one delays the next,
 * whose actual time is recorded). kill9 picks, by the schedule's draw, one of the load connections
 * in the middle of their requests, holds it, and has the admin endpoint SIGKILL its worker; the
 * other kinds send their chaos command on a dedicated injector connection. From the order until
 * the supervisor has taken the worker off its books the load is frozen (no client sends a request,
 * so no new connection is given a worker: forkd hands one on at its first bytes), and each crash records
 * every connection the supervisor was relaying to that worker at the crash (see {@link CrashRecord}):
 * so a connection on it that completes had sent its last request before the crash, and every
 * other one on it must be lost.
 */
final class CrashInjector implements Runnable {
    private static final Logger LOG = LogManager.getLogger(CrashInjector.class);
    /**
     * The longest a kill9 waits for a connection in the middle of its requests (and half the
     * interval at most): long enough to bridge the instants between connections, short enough
     * that a crash lands near its time, not on the first client of a pool that was down.
     */
    static final long PICK_WINDOW_MS = 1000;
    /** How long a worker may take to die (an OOM takes a while) or, for hang, to stop. */
    static final Duration DOWN_TIMEOUT = Duration.ofSeconds(30);
    /** After the injection, how long the pool may take to be back before the crash counts as not recovered. */
    static final long RECOVERY_DEADLINE_MS = 30_000;

    private final List<CrashSchedule.Planned> plan;
    private final CrashKind kind;
    private final long crashEveryMs;
    private final ExperimentClock clock;
    private final LoadRegistry registry;
    private final StatusPoller poller;
    private final AdminClient admin;
    private final InetSocketAddress address;
    /** Null: plain TCP. */
    private final dev.forkd.tools.tls.ClientTls tls;
    private final List<CrashRecord> records = new ArrayList<>();

    CrashInjector(List<CrashSchedule.Planned> plan, CrashKind kind, long crashEveryMs, ExperimentClock clock, LoadRegistry registry,
            StatusPoller poller, AdminClient admin, InetSocketAddress address, dev.forkd.tools.tls.ClientTls tls) {
        this.tls = tls;
        this.plan = plan;
        this.kind = kind;
        this.crashEveryMs = crashEveryMs;
        this.clock = clock;
        this.registry = registry;
        this.poller = poller;
        this.admin = admin;
        this.address = address;
    }

    @Override
    public void run() {
        try {
            for (CrashSchedule.Planned p : plan) {
                clock.sleepUntil(p.atMs());
                CrashRecord r = kind.viaAdmin() ? kill9(p) : viaChaos(p);
                if (r.injected()) {
                    poller.watch(r.index(), r.targetPid(), r.targetSlot(), r.injectedAtMs() + RECOVERY_DEADLINE_MS);
                    LOG.debug("crash {} ({}) of worker pid {} at {} ms: {} load connection(s) on it", r.index(), kind, r.targetPid(),
                            r.injectedAtMs(), r.onWorker().size());
                } else {
                    LOG.warn("crash {} at {} ms skipped: {}", p.index(), p.atMs(), r.skipped());
                }
                synchronized (records) {
                    records.add(r);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("crash injector failed: {}", e.toString(), e);
        }
    }

    List<CrashRecord> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    private CrashRecord kill9(CrashSchedule.Planned p) throws InterruptedException {
        LoadConnection target = pick(p, p.atMs() + Math.min(crashEveryMs / 2, PICK_WINDOW_MS));
        if (target == null) {
            return CrashRecord.skipped(p, kind, "no load connection was in the middle of its requests");
        }
        boolean frozen = false;
        try {
            long pid = target.pid();
            // fresh, not the last poll's: the worker's id, and whether it is draining already (fork-per-connection)
            StatusPoller.Worker w = poller.fetch().workers().get(pid);
            if (w == null) {
                return CrashRecord.skipped(p, kind, "worker pid " + pid + " is not in /status");
            }
            registry.freeze();
            frozen = true;
            long injectedAt = clock.nowMs();
            // the answer lists the connections the worker held at the instant of the signal
            Set<String> held = new TreeSet<>();
            admin.post("/workers/" + w.id() + "/kill?signal=KILL").path("clients").forEach(c -> held.add(c.asText()));
            long downAt = awaitDown(pid, false, held);
            awaitOffTheBooks(pid, held);
            return new CrashRecord(p.index(), p.atMs(), p.choice(), kind, null, injectedAt, pid, w.id(), w.slotToRefill(), target.key,
                    downAt, registry.byLocalPorts(CrashRecord.ports(List.copyOf(held))), List.copyOf(held), -1, -1);
        } catch (AdminClient.AdminException e) {
            return CrashRecord.skipped(p, kind, "admin endpoint: " + e.getMessage());
        } finally {
            if (frozen) {
                registry.thaw();
            }
            // its next request meets the dead worker
            target.release();
        }
    }

    /** The draw's pick among the connections in the middle of their requests, held; null if none came by the deadline. */
    private LoadConnection pick(CrashSchedule.Planned p, long deadlineMs) throws InterruptedException {
        while (clock.nowMs() < deadlineMs) {
            List<LoadConnection> candidates = registry.inTheMiddle();
            if (!candidates.isEmpty()) {
                LoadConnection c = candidates.get(p.pick(candidates.size()));
                if (c.tryHold()) {
                    return c;
                }
                // it finished meanwhile: draw again from a fresh list, with the same draw
                continue;
            }
            // every connection is between requests' ends and starts: a new one is in the middle within a millisecond or two
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return null;
    }

    private CrashRecord viaChaos(CrashSchedule.Planned p) throws InterruptedException {
        ChaosConnection injector = null;
        boolean frozen = false;
        try {
            injector = ChaosConnection.open(address, LoadClient.CONNECT_TIMEOUT, LoadClient.READ_TIMEOUT, tls);
            long pid = injector.askPid();
            registry.freeze();
            frozen = true;
            StatusPoller.Worker w = poller.fetch().workers().get(pid);
            if (w == null) {
                return CrashRecord.skipped(p, kind, "worker pid " + pid + " is not in /status");
            }
            // the worker dies in its own time: every connection /status shows on it until then was on it at the crash
            Set<String> held = new TreeSet<>(w.clients());
            long injectedAt = clock.nowMs();
            injector.send(kind.chaosCommand);
            long downAt = awaitDown(pid, kind == CrashKind.HANG, held);
            awaitOffTheBooks(pid, held);
            CrashRecord r = new CrashRecord(p.index(), p.atMs(), p.choice(), kind, null, injectedAt, pid, w.id(), w.slotToRefill(), null,
                    downAt, registry.byLocalPorts(CrashRecord.ports(List.copyOf(held))), List.copyOf(held), -1, -1);
            awaitEndInBackground(injector, p.index());
            injector = null;
            return r;
        } catch (AdminClient.AdminException e) {
            return CrashRecord.skipped(p, kind, "admin endpoint: " + e.getMessage());
        } catch (IOException e) {
            return CrashRecord.skipped(p, kind, "injector connection: " + e.getMessage());
        } finally {
            if (frozen) {
                registry.thaw();
            }
            closeQuietly(injector);
        }
    }

    /**
     * The injector then behaves as any client whose request crashed its worker: it waits for its
     * connection to end, and closes it only then. Closing it the instant /proc shows the worker
     * dead would be a move no real client can make (it learns of the death through the relay),
     * and races the relay's own view of which end closed first.
     */
    private static void awaitEndInBackground(ChaosConnection injector, int crash) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    injector.readLine();
                }
            } catch (IOException e) {
                // the end we waited for: EOF or a reset, or the read timeout if the worker never died
                LOG.debug("injector connection of crash {} ended: {}", crash, e.toString());
            } finally {
                closeQuietly(injector);
            }
        }, "injector-" + crash);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(ChaosConnection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // nothing was pending on it; the crash is recorded either way
            LOG.debug("closing an injector connection: {}", e.toString());
        }
    }

    /**
     * Waits until /status no longer lists worker {@code pid}, adding the clients it lists on it
     * meanwhile. A JVM killed shows as a zombie in /proc while its other threads still exit, with
     * its socket still open: connections relayed to it then die with it. Only once the supervisor
     * has reaped it is nothing more sent to it; the load stays frozen until then, and no client
     * gets a worker before it sends its first bytes, so the list is complete.
     */
    private void awaitOffTheBooks(long pid, Set<String> held) throws InterruptedException {
        long deadline = System.nanoTime() + DOWN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                StatusPoller.Worker w = poller.fetch().workers().get(pid);
                if (w == null) {
                    return;
                }
                held.addAll(w.clients());
            } catch (AdminClient.AdminException e) {
                // a busy endpoint: ask again
                LOG.debug("status while awaiting pid {}'s removal: {}", pid, e.getMessage());
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        LOG.warn("worker pid {} still listed in /status {} after the crash", pid, Durations.format(DOWN_TIMEOUT));
    }

    /**
     * When the worker was seen dead (or stopped, for hang); -1 if not within {@link #DOWN_TIMEOUT}.
     * With {@code held}, /status is polled meanwhile and every client it lists on the worker is added.
     */
    private long awaitDown(long pid, boolean stoppedIsDown, Set<String> held) throws InterruptedException {
        long deadline = System.nanoTime() + DOWN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            ProcFs.State st = ProcFs.state(pid);
            if (st == ProcFs.State.GONE || (stoppedIsDown && st == ProcFs.State.STOPPED)) {
                return clock.nowMs();
            }
            if (held != null) {
                try {
                    StatusPoller.Worker w = poller.fetch().workers().get(pid);
                    if (w != null) {
                        held.addAll(w.clients());
                    }
                } catch (AdminClient.AdminException e) {
                    // a busy or restarting endpoint: the connections sampled before the command still stand
                    LOG.debug("status while awaiting pid {}'s end: {}", pid, e.getMessage());
                }
            }
            // a file read per millisecond: the death is an instant we want to the millisecond
            TimeUnit.MILLISECONDS.sleep(1);
        }
        LOG.warn("worker pid {} was not seen {} within {}", pid, stoppedIsDown ? "stopped or dead" : "dead", Durations.format(DOWN_TIMEOUT));
        return -1;
    }
}
