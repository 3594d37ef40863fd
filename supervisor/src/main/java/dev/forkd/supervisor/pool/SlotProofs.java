package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.control.ControlSession;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One worker's slot releases held until it proves alive, and the count of the connections it would
 * take down if it died now. A worker's end of a connection closing while its client is still there
 * is also the first sign of its death: a killed worker's connections close an instant before its
 * listening socket, and a client sent there in between would be reset, lost with a worker it never
 * used. A dying process runs no code once its files are being closed, so an answer to a ping sent
 * after the close proves the close was the worker's own.
 *
 * <p>Called on relay threads (for every connection the worker closes first, e.g. HTTP Connection:
 * close) and on the control reader's thread, so its state is guarded by this object. One proof
 * ping is out at a time; releases that come meanwhile share the next one.
 */
final class SlotProofs {
    private static final Logger LOG = LogManager.getLogger(SlotProofs.class);
    /** How long a proof ping waits for more closes to cover while the worker has slots to spare. */
    static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** How a worker is asked; the pool's side of it. */
    interface Asker {
        /** The next ping number: one sequence for proofs and heartbeats, so that any later answer proves. */
        long nextSeq();

        /** Sends ping {@code seq}; false if there is nothing to send it on. */
        boolean ping(long seq);

        /** Runs {@code task} after {@code nanos}; false if that cannot be (shutting down). */
        boolean later(Runnable task, long nanos);

        /** Connections the dispatcher counts as live on this worker. */
        int active();
    }

    /** A worker's proofs: pings on its control channel, batching on the pool's executor. */
    static SlotProofs of(WorkerProcess w, java.util.function.LongSupplier nextSeq, java.util.concurrent.ScheduledExecutorService exec,
            PoolDispatch dispatch) {
        return new SlotProofs(w, w.capacity, new Asker() {
            @Override
            public long nextSeq() {
                return nextSeq.getAsLong();
            }

            @Override
            public boolean ping(long seq) {
                ControlSession c = w.control;
                return c != null && c.send(dev.forkd.shared.ControlMessage.ping(seq));
            }

            @Override
            public boolean later(Runnable task, long nanos) {
                try {
                    exec.schedule(task, nanos, TimeUnit.NANOSECONDS);
                    return true;
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    return false; // shutting down: the caller says why that is fine
                }
            }

            @Override
            public int active() {
                return dispatch.active(w);
            }
        });
    }

    /** Whose proofs, for the log (its label, once it has a pid). */
    private final Object label;
    private final int capacity;
    private final Asker asker;
    /** Connections relayed to it whose worker side has not ended. */
    private int relaying;
    /** Connections whose worker side ended with no proof yet that it outlived the end. */
    private int suspects;
    /** Releases (and suspects' clearances) waiting for the answer to ping {@link #seq}. */
    private List<Runnable> asked = new ArrayList<>();
    /** Releases that came while that ping was out: they share the next one. */
    private List<Runnable> unasked = new ArrayList<>();
    /** The proof ping out, or 0 if none. */
    private long seq;
    /** A proof ping for the unasked releases is due within BATCH_NANOS. */
    private boolean scheduled;
    /** The worker has exited and its waiting releases ran: later ones run at once. */
    private boolean closed;

    SlotProofs(Object label, int capacity, Asker asker) {
        this.label = label;
        this.capacity = capacity;
        this.asker = asker;
    }

    /** A stream to the worker is open and a client is relayed over it; on the dispatching thread. */
    synchronized void relayStarted() {
        relaying++;
    }

    /**
     * A relayed connection is done on the worker's side; on a relay thread. Frees its slot with
     * {@code release}: at once, or, if the worker's end closed first, once the worker proves alive.
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
    void relayDone(boolean workerEndedFirst, boolean workerSideEnded, Runnable release) {
        boolean suspect = workerSideEnded || workerEndedFirst;
        synchronized (this) {
            relaying--;
            if (suspect) {
                suspects++;
            }
        }
        if (!suspect) {
            release.run();
            return;
        }
        Runnable cleared = () -> {
            synchronized (this) {
                suspects--;
            }
        };
        if (workerEndedFirst) {
            // maybe the worker is dying: no new client for its slot until it proves alive
            whenAlive(() -> {
                cleared.run();
                release.run();
            });
        } else {
            release.run();
            whenAlive(cleared);
        }
    }

    /** Runs {@code release} once the worker has answered a ping sent after now, or has exited. */
    void whenAlive(Runnable release) {
        boolean gone;
        synchronized (this) {
            gone = closed;
            if (!gone) {
                unasked.add(release);
            }
        }
        if (gone) {
            release.run(); // the worker is gone: nothing will be sent to it
        } else {
            ask();
        }
    }

    /**
     * Asks for proof of the unasked releases, unless a ping is already out or due. While the worker
     * has slots to spare, the ping waits BATCH_NANOS so that a stream of closes shares one; once its
     * slots run short (always, for a prefork worker), it goes at once.
     */
    private void ask() {
        long n;
        synchronized (this) {
            if (closed || seq != 0 || scheduled || unasked.isEmpty()) {
                return;
            }
            // the dispatcher's lock inside this one: nothing takes them the other way round
            if (capacity - asker.active() > Math.max(1, capacity / 4)) {
                scheduled = true;
                n = 0;
            } else {
                n = start();
            }
        }
        if (n != 0) {
            send(n);
        } else if (!asker.later(this::askBatched, BATCH_NANOS)) {
            // the pool is shutting down: every worker's exit releases its slots
            LOG.debug("{}: no proof ping while shutting down", label);
        }
    }

    private void askBatched() {
        long n;
        synchronized (this) {
            scheduled = false;
            if (closed || seq != 0 || unasked.isEmpty()) {
                return;
            }
            n = start();
        }
        send(n);
    }

    /** Under the lock: the unasked releases wait for a new ping, whose number is returned. */
    private long start() {
        asked = unasked;
        unasked = new ArrayList<>();
        seq = asker.nextSeq();
        return seq;
    }

    private void send(long n) {
        if (!asker.ping(n)) {
            // nothing to ask on: its exit, or its heartbeat timeout and then its exit, releases the slots
            LOG.debug("{}: cannot ask whether it is alive; its slots wait for its exit", label);
        }
    }

    /**
     * The worker answered ping {@code answered}, on the control reader's thread. Any ping numbered
     * from the proof ping on was sent after the closes it covers, so its answer proves them.
     */
    void answered(long answered) {
        List<Runnable> released;
        synchronized (this) {
            if (seq == 0 || answered < seq) {
                return;
            }
            released = asked;
            asked = new ArrayList<>();
            seq = 0;
        }
        released.forEach(Runnable::run);
        ask();
    }

    /**
     * The worker exited: every waiting release runs now, later ones at once. Returns the
     * connections it was serving (still relayed, or ended on its side without proof that it
     * outlived the end); each is in one of the two counts at a time, so none is counted twice.
     */
    int close() {
        List<Runnable> unproven = new ArrayList<>();
        int takenDown;
        synchronized (this) {
            closed = true;
            seq = 0;
            takenDown = relaying + suspects;
            unproven.addAll(asked);
            unproven.addAll(unasked);
            asked.clear();
            unasked.clear();
        }
        unproven.forEach(Runnable::run);
        return takenDown;
    }

    synchronized int relaying() {
        return relaying;
    }

    synchronized int suspects() {
        return suspects;
    }
}
