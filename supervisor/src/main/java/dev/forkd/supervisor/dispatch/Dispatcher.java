package dev.forkd.supervisor.dispatch;

import dev.forkd.supervisor.dispatch.WaitingQueue.Waiting;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Decides which worker serves each accepted connection: least connections among the workers
 * that are ready and have a free slot (ties rotate), else a bounded FIFO queue in which each
 * connection waits at most the queue timeout. A worker that cannot be reached before any client
 * byte was sent to it is taken out and the connection goes to another: a client is never dropped
 * because a worker died before its turn.
 *
 * <p>All state is guarded by this object's monitor; opening streams to workers happens outside it.
 */
public final class Dispatcher<T extends Dispatcher.Target> {
    private static final Logger LOG = LogManager.getLogger(Dispatcher.class);

    /** A worker as the dispatcher sees it. */
    public interface Target {
        int id();

        /** Connections it may serve at once. */
        int capacity();

        Path socket();

        /** How many connections it may take in its life before it is recycled; Long.MAX_VALUE for no limit. */
        default long assignmentLimit() {
            return Long.MAX_VALUE;
        }
    }

    /** Told, outside the lock, when a target has taken its last connection (its recycle limit). */
    public interface ExhaustedListener<T> {
        public void onExhausted(T target);
    }

    public enum OpenResult {
        /** The stream to the worker is open and the relay has the connection. */
        STARTED,
        /** The worker did not take the stream; nothing of the client's was sent. */
        WORKER_UNREACHABLE,
        /** The client went away before it could be handed on; it has been closed. */
        CLIENT_GONE
    }

    /** Told, outside the lock, when a target could not be reached and was taken out. */
    public interface UnreachableListener<T> {
        public void onUnreachable(T target);
    }

    /**
     * Opens the stream to a worker and starts relaying; called outside the dispatcher's lock, on
     * any thread (an event loop among them), so it must not block: it tells {@code done} how the
     * open ended, exactly once, at once or later on another thread.
     */
    public interface Connector<T> {
        void open(T target, AcceptedClient client, Consumer<OpenResult> done);
    }

    private final Map<T, Slot<T>> slots = new LinkedHashMap<>();
    private final WaitingQueue queue;
    private final Connector<T> connector;
    private final DispatchStats stats;
    private volatile ExhaustedListener<T> exhaustedListener = t -> { };
    private volatile UnreachableListener<T> unreachableListener = t -> { };
    private volatile java.util.function.Consumer<AcceptedClient> dropped = c -> { };
    /** Told, outside the lock, whenever room may have come back (see {@link #hasRoomNow}). */
    private volatile Runnable roomListener = () -> { };
    private int cursor;
    private boolean closed;

    public Dispatcher(int queueBound, Duration queueTimeout, ScheduledExecutorService timer, Connector<T> connector, DispatchStats stats) {
        this.queue = new WaitingQueue(queueBound, queueTimeout, timer, stats);
        this.connector = connector;
        this.stats = stats;
    }

    public void onExhausted(ExhaustedListener<T> listener) {
        this.exhaustedListener = listener;
    }

    public void onUnreachable(UnreachableListener<T> listener) {
        this.unreachableListener = listener;
    }

    /** A worker is ready to take connections. */
    public void addTarget(T target) {
        synchronized (this) {
            slots.putIfAbsent(target, new Slot<>(target));
            notifyAll();
        }
        serveQueue();
        roomListener.run();
    }

    /** The worker takes no new connections (exited, draining, or unreachable); live ones still count until released. */
    public synchronized void removeTarget(T target) {
        Slot<T> s = slots.get(target);
        if (s != null) {
            s.usable = false;
            if (s.active == 0) {
                slots.remove(target);
            }
        }
    }

    /** Hands an accepted connection to a worker, or queues it. */
    public void submit(AcceptedClient client) {
        stats.accepted.increment();
        dispatch(new Waiting(client, System.nanoTime()));
    }

    /** To a free worker, or into the queue; again to another worker if the one picked cannot be reached. */
    private void dispatch(Waiting w) {
        Slot<T> s;
        synchronized (this) {
            s = closed ? null : pick();
            if (s == null) {
                enqueue(w);
                return;
            }
            reserve(s);
        }
        open(s, w, r -> {
            if (r == OpenResult.WORKER_UNREACHABLE) {
                dispatch(w);
            }
        });
    }

    /** A connection served by {@code target} has ended. */
    public void release(T target) {
        synchronized (this) {
            Slot<T> s = slots.get(target);
            if (s != null) {
                s.active--;
                if (!s.usable && s.active == 0) {
                    slots.remove(target);
                }
            }
            notifyAll();
        }
        serveQueue();
        roomListener.run();
    }

    /** Dispatches queued connections while there are free slots, oldest first. */
    private void serveQueue() {
        while (true) {
            Slot<T> s;
            Waiting w;
            synchronized (this) {
                if (queue.isEmpty() || closed) {
                    return;
                }
                s = pick();
                if (s == null) {
                    return;
                }
                w = queue.poll();
                reserve(s);
                notifyAll();
            }
            open(s, w, r -> {
                if (r == OpenResult.WORKER_UNREACHABLE) {
                    requeue(w);
                } else {
                    queue.served(w);
                }
            });
        }
    }

    /** A queued connection whose worker could not be reached: back to the head, and on to another worker. */
    private void requeue(Waiting w) {
        boolean expired;
        boolean drop;
        synchronized (this) {
            // back to the head: it keeps its place and its original deadline, unless the
            // deadline passed or the dispatcher closed while it was out of the queue
            expired = w.expired;
            drop = expired || closed;
            if (!drop) {
                queue.putBack(w);
            }
        }
        if (expired) {
            queue.timedOut(w);
        }
        if (drop) {
            drop(w.client);
        } else {
            serveQueue();
        }
    }

    private void reserve(Slot<T> s) {
        s.active++;
        s.opening++;
        if (s.assignmentsLeft != Long.MAX_VALUE) {
            s.assignmentsLeft--;
        }
    }

    /**
     * True if no stream is being opened to {@code target} now, so that all it was sent is in its
     * backlog; else {@code then} runs, outside the lock on the opening thread, once the last one
     * being opened has landed (or failed). Lets a drain wait without blocking its caller.
     */
    public synchronized boolean whenNoOpening(T target, Runnable then) {
        Slot<T> s = slots.get(target);
        if (s == null || s.opening == 0) {
            return true;
        }
        s.noneOpening.add(then);
        return false;
    }

    /**
     * Opens the stream; {@code then} hears how it ended, after the slot's books are done (the
     * connection is dealt with unless it is WORKER_UNREACHABLE: then it is to go elsewhere).
     */
    private void open(Slot<T> s, Waiting w, Consumer<OpenResult> then) {
        java.util.concurrent.atomic.AtomicBoolean told = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            connector.open(s.target, w.client, r -> {
                if (told.compareAndSet(false, true)) {
                    landed(s, w, r);
                    then.accept(r);
                }
            });
        } catch (RuntimeException e) {
            // a connector bug must not leak the slot: the connection is closed and the slot freed
            LOG.error("opening a stream to worker {} failed: {}", s.target.id(), e.toString(), e);
            if (told.compareAndSet(false, true)) {
                closeQuietly(w.client);
                landed(s, w, OpenResult.CLIENT_GONE);
                then.accept(OpenResult.CLIENT_GONE);
            }
        }
    }

    private void landed(Slot<T> s, Waiting w, OpenResult r) {
        boolean exhausted;
        List<Runnable> landed = List.of();
        synchronized (this) {
            s.opening--;
            exhausted = s.assignmentsLeft == 0 && s.usable;
            if (exhausted) {
                s.usable = false;
            }
            if (s.opening == 0 && !s.noneOpening.isEmpty()) {
                landed = s.noneOpening;
                s.noneOpening = new ArrayList<>();
            }
            notifyAll();
        }
        landed.forEach(Runnable::run);
        if (exhausted) {
            exhaustedListener.onExhausted(s.target);
        }
        switch (r) {
            case STARTED:
                return;
            case CLIENT_GONE:
                dropped.accept(w.client);
                release(s.target);
                return;
            default:
                LOG.warn("worker {} did not take a connection; sending it to another worker", s.target.id());
                synchronized (this) {
                    s.active--;
                    s.usable = false;
                    if (s.active == 0) {
                        slots.remove(s.target);
                    }
                }
                stats.redispatched.increment();
                unreachableListener.onUnreachable(s.target);
        }
    }

    private Slot<T> pick() {
        Slot<T> best = Slot.leastActive(slots.values(), cursor);
        cursor = (cursor + 1) % Math.max(1, slots.size());
        return best;
    }

    private void enqueue(Waiting w) {
        if (closed) {
            queue.reject(w);
            drop(w.client);
        } else if (!queue.offer(w, this::expire)) {
            drop(w.client);
        }
    }

    private void expire(Waiting w) {
        synchronized (this) {
            w.expired = true;
            if (!queue.remove(w)) {
                // being handed to a worker: if that fails, serveQueue closes it instead of requeueing
                return;
            }
            notifyAll();
        }
        queue.timedOut(w);
        drop(w.client);
        roomListener.run();
    }

    /** True while the listener may accept: the queue has room, or a slot is free for the next connection. */
    private boolean hasRoom() {
        if (queue.hasRoom()) {
            return true;
        }
        if (!queue.isEmpty()) {
            return false;
        }
        for (Slot<T> s : slots.values()) {
            if (s.free()) {
                return true;
            }
        }
        return false;
    }

    /** True while the listener may accept (see {@link #onRoom} for when to ask again). */
    public synchronized boolean hasRoomNow() {
        return closed || hasRoom();
    }

    /** {@code r} runs, outside the lock, after every change that may make room: it must be cheap and check again itself. */
    public void onRoom(Runnable r) {
        this.roomListener = r;
    }


    public synchronized int queued() {
        return queue.size();
    }

    public synchronized int active() {
        int n = 0;
        for (Slot<T> s : slots.values()) {
            n += s.active;
        }
        return n;
    }

    public synchronized int active(T target) {
        Slot<T> s = slots.get(target);
        return s == null ? 0 : s.active;
    }

    /** Waits until no connection is live or queued, or the deadline (System.nanoTime) passes. Returns true if idle. */
    public synchronized boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        while (active() > 0 || !queue.isEmpty()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** No more dispatching; queued connections are closed. */
    public void close() {
        List<Waiting> dropped;
        synchronized (this) {
            closed = true;
            dropped = queue.clear();
            notifyAll();
        }
        for (Waiting w : dropped) {
            drop(w.client);
        }
    }

    /** Told of every client the dispatcher gives up on itself (queue full, queue timeout, closing, client gone). */
    public void onDropped(java.util.function.Consumer<AcceptedClient> listener) {
        this.dropped = listener;
    }

    private void drop(AcceptedClient client) {
        closeQuietly(client);
        dropped.accept(client);
    }

    /** Closes a client the data path gives up on; its event loop does the closing, the caller never waits. */
    public static void closeQuietly(AcceptedClient client) {
        client.channel.close();
    }

    public static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing a socket we are giving up on: there is nothing else to do with it
            LOG.debug("close: {}", e.toString());
        }
    }
}
