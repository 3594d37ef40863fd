package dev.forkd.supervisor.dispatch;

import dev.forkd.shared.Durations;
import dev.forkd.supervisor.common.RateLimitedLog;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The dispatcher's bounded FIFO of connections waiting for a free worker, each with its queue
 * timeout. Not thread-safe: the {@link Dispatcher} calls it under its own monitor, except
 * {@link #served} and {@link #timedOut}, which touch no queue state.
 */
final class WaitingQueue {
    // the dispatcher's logger: these lines have always been the dispatcher's, and operators filter on it
    private static final Logger LOG = LogManager.getLogger(Dispatcher.class);
    private final RateLimitedLog queueFull = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private final RateLimitedLog queueTimeouts = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);

    /** One connection waiting. */
    static final class Waiting {
        final AcceptedClient client;
        final long enqueuedNanos;
        ScheduledFuture<?> timeout;
        /** Its queue timeout has fired; guarded by the dispatcher's monitor. */
        boolean expired;

        Waiting(AcceptedClient client, long enqueuedNanos) {
            this.client = client;
            this.enqueuedNanos = enqueuedNanos;
        }
    }

    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private final int bound;
    private final Duration timeout;
    private final ScheduledExecutorService timer;
    private final DispatchStats stats;

    WaitingQueue(int bound, Duration timeout, ScheduledExecutorService timer, DispatchStats stats) {
        this.bound = bound;
        this.timeout = timeout;
        this.timer = timer;
        this.stats = stats;
    }

    /**
     * Queues {@code w} at the tail; {@code onExpire} runs on the timer when its queue timeout fires.
     * False if the queue is full: counted and logged, and the caller drops the client.
     */
    boolean offer(Waiting w, Consumer<Waiting> onExpire) {
        if (queue.size() >= bound) {
            reject(w);
            return false;
        }
        queue.add(w);
        stats.queued.increment();
        w.timeout = timer.schedule(() -> onExpire.accept(w), timeout.toNanos(), TimeUnit.NANOSECONDS);
        return true;
    }

    /** {@code w} gets no place (the queue is full, or the dispatcher closed): counted and logged; the caller drops the client. */
    void reject(Waiting w) {
        stats.rejected.increment();
        queueFull.log("no worker free and the queue is full ({}): closing a connection from {}", bound, remote(w.client.channel));
    }

    /** The oldest, or null. */
    Waiting poll() {
        return queue.poll();
    }

    /** Back to the head: it keeps its place and its original deadline. */
    void putBack(Waiting w) {
        queue.addFirst(w);
    }

    /** False if it is not queued (being handed to a worker right now). */
    boolean remove(Waiting w) {
        return queue.remove(w);
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    /** Room for one more. */
    boolean hasRoom() {
        return queue.size() < bound;
    }

    /** Empties the queue, its timeouts cancelled: the caller drops every client returned. */
    List<Waiting> clear() {
        List<Waiting> all = new ArrayList<>(queue);
        queue.clear();
        for (Waiting w : all) {
            if (w.timeout != null) {
                w.timeout.cancel(false);
            }
        }
        return all;
    }

    /** {@code w} left the queue for a worker: its timeout is off, and its wait is measured. */
    void served(Waiting w) {
        if (w.timeout != null) {
            w.timeout.cancel(false);
            stats.queueWait.observe(System.nanoTime() - w.enqueuedNanos);
        }
    }

    /** {@code w} waited its whole queue timeout: counted and logged; the caller drops the client. */
    void timedOut(Waiting w) {
        stats.queueTimedOut.increment();
        queueTimeouts.log("connection from {} waited {} in the queue with no free worker; closing it", remote(w.client.channel),
                Durations.format(timeout));
    }

    private static String remote(io.netty.channel.Channel ch) {
        java.net.SocketAddress a = ch.remoteAddress();
        return a == null ? "(closed)" : a.toString();
    }
}
