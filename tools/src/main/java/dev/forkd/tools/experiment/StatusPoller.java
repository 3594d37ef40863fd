package dev.forkd.tools.experiment;

import dev.forkd.supervisor.cli.AdminClient;
import com.fasterxml.jackson.databind.JsonNode;

import dev.forkd.shared.StatusReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Polls the experiment's supervisor's /status: the workers' pids, ids and slots (for kill9 and
 * RSS samples) and, for each crash, when the pool is back: the crashed pid gone from /status and
 * a ready worker in its slot (the pool position a replacement fills). The slot, not a count of
 * ready workers, so that a crash's recovery is not held up by the next crash's. A worker that was
 * draining when it crashed (fork-per-connection's, serving its one connection) had its replacement
 * started already: for it, gone is recovered.
 */
final class StatusPoller implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(StatusPoller.class);
    static final Duration INTERVAL = Duration.ofMillis(20);

    /** A worker as /status lists it, with the client addresses (address:port) of the connections relayed to it. */
    record Worker(int id, int slot, String state, List<String> clients) {
        Worker(int id, int slot, String state) {
            this(id, slot, state, List.of());
        }

        /** The slot its replacement will fill, or -1 if it is being replaced already (draining). */
        int slotToRefill() {
            return state.equals("draining") ? -1 : slot;
        }
    }

    /** One /status answer: the workers by pid, and the slots that have a ready worker. */
    record Snapshot(long atMs, Map<Long, Worker> workers, Set<Integer> readySlots) {
        static Snapshot of(StatusReport status, long atMs) {
            Map<Long, Worker> workers = new HashMap<>();
            Set<Integer> ready = new HashSet<>();
            for (StatusReport.Worker w : status.workers()) {
                Worker worker = new Worker(w.id(), w.slot(), w.state(), List.copyOf(w.clients()));
                workers.put(w.pid(), worker);
                if (worker.state().equals("ready")) {
                    ready.add(worker.slot());
                }
            }
            return new Snapshot(atMs, Map.copyOf(workers), Set.copyOf(ready));
        }
    }

    /** A crash waiting for its recovery. */
    private static final class Watch {
        final int crash;
        final long pid;
        final int slot;
        final long deadlineMs;
        long goneAtMs = -1;

        Watch(int crash, long pid, int slot, long deadlineMs) {
            this.crash = crash;
            this.pid = pid;
            this.slot = slot;
            this.deadlineMs = deadlineMs;
        }
    }

    private final AdminClient admin;
    private final ExperimentClock clock;
    private final Thread thread;
    private final List<Watch> watches = new ArrayList<>();
    /** crash index → {gone at, recovered at}, -1 for what never happened. */
    private final Map<Integer, long[]> recoveries = new TreeMap<>();
    private volatile Snapshot latest;
    private volatile boolean stopped;

    StatusPoller(AdminClient admin, ExperimentClock clock) {
        this.admin = admin;
        this.clock = clock;
        this.thread = new Thread(this::loop, "status-poller");
        this.thread.setDaemon(true);
    }

    /** Fetches a first /status (so that {@link #latest} is never null), then polls in the background. */
    void start() throws AdminClient.AdminException, InterruptedException {
        latest = fetch();
        thread.start();
    }

    Snapshot latest() {
        return latest;
    }

    /** A fresh /status, now. */
    Snapshot fetch() throws AdminClient.AdminException, InterruptedException {
        Snapshot s = Snapshot.of(StatusReport.from(admin.get("/status")), clock.nowMs());
        latest = s;
        return s;
    }

    /**
     * Starts watching for the recovery from crash {@code crash} of worker {@code pid}, whose
     * replacement fills {@code slot} (-1: replaced already); gives up at {@code deadlineMs}.
     */
    void watch(int crash, long pid, int slot, long deadlineMs) {
        synchronized (watches) {
            watches.add(new Watch(crash, pid, slot, deadlineMs));
        }
    }

    /** Waits until every watched crash has recovered or passed its deadline; false on timeout. */
    boolean awaitRecoveries(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (watches) {
            while (!watches.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(watches, left);
            }
        }
        return true;
    }

    Map<Integer, long[]> recoveries() {
        synchronized (watches) {
            return new TreeMap<>(recoveries);
        }
    }

    private void loop() {
        int failures = 0;
        while (!stopped) {
            try {
                Snapshot s = fetch();
                check(s);
                failures = 0;
            } catch (AdminClient.AdminException e) {
                // the supervisor is busy or going away; the run notices a dead supervisor on its own
                if (++failures % 50 == 1) {
                    LOG.debug("status poll failed ({} in a row): {}", failures, e.getMessage());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("status poller: {}", e.toString(), e);
            }
            try {
                // polling is the only way to see the pool from outside its process
                TimeUnit.NANOSECONDS.sleep(INTERVAL.toNanos());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void check(Snapshot s) {
        synchronized (watches) {
            for (Iterator<Watch> it = watches.iterator(); it.hasNext();) {
                Watch w = it.next();
                boolean gone = !s.workers().containsKey(w.pid);
                if (gone && w.goneAtMs < 0) {
                    w.goneAtMs = s.atMs();
                }
                if (gone && (w.slot < 0 || s.readySlots().contains(w.slot))) {
                    recoveries.put(w.crash, new long[] {w.goneAtMs, s.atMs()});
                    it.remove();
                } else if (s.atMs() > w.deadlineMs) {
                    LOG.warn("crash {}: the pool did not recover within the deadline (worker pid {} {}; slot {} {})",
                            w.crash, w.pid, gone ? "gone" : "still listed", w.slot, s.readySlots().contains(w.slot) ? "ready" : "not ready");
                    recoveries.put(w.crash, new long[] {w.goneAtMs, -1});
                    it.remove();
                }
            }
            watches.notifyAll();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(15));
        synchronized (watches) {
            for (Watch w : watches) {
                recoveries.put(w.crash, new long[] {w.goneAtMs, -1});
            }
            watches.clear();
            watches.notifyAll();
        }
    }
}
