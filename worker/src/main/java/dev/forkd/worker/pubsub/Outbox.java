package dev.forkd.worker.pubsub;

import dev.forkd.worker.common.WorkerLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A connection's deliveries waiting to be written, at most {@code limit}: offering never blocks
 * (the broker-read thread offers for every connection of the worker), and a full outbox refuses,
 * so that the caller drops the connection as slow instead of holding memory or delaying the others.
 *
 * <p>In the blocking models a writer thread per connection drains it ({@link #start}). An event
 * loop would instead {@link #poll()} when the socket is writable, woken by the hook given to
 * {@link #onFirst(Runnable)} when the outbox stops being empty.
 */
public final class Outbox {
    /** Writes payloads (each framed by the connection) and closes the connection. */
    public interface Sink {
        /** Writes them in order, in as few system calls as the socket allows. */
        void write(List<ByteBuffer> payloads) throws IOException;

        void close();
    }

    private final int limit;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private boolean closed;
    private boolean closeWhenEmpty;
    /** The writer thread waits for work: the next offer wakes it. */
    private boolean writerWaiting;
    private Thread writer;
    private Runnable onFirst = () -> { };

    Outbox(int limit) {
        this.limit = limit;
    }

    /**
     * Queues {@code payload} without waking the writer: the caller queues a burst, then calls
     * {@link #wake()} once, so that the writer writes the burst in one gathering write rather than
     * waking per message: an idle writer is woken by the first message of a burst (and takes
     * what has piled up by the time it runs), a busy one is not woken at all. The event-loop hook
     * runs when the outbox stops being empty. False if the outbox is full. After {@link #close()}
     * everything is accepted and dropped.
     */
    synchronized boolean offer(ByteBuffer payload) {
        if (closed || closeWhenEmpty) {
            return true;
        }
        if (queue.size() >= limit) {
            return false;
        }
        queue.add(payload);
        if (writerWaiting) {
            writerWaiting = false;
            notifyAll();
        }
        if (queue.size() == 1) {
            onFirst.run(); // an event loop's wake-up: a selector wakeup, safe under this lock
        }
        return true;
    }

    /** Wakes an idle writer thread if anything is queued (a backstop: {@link #offer} already does). */
    synchronized void wake() {
        if (!queue.isEmpty() && writerWaiting) {
            writerWaiting = false;
            notifyAll();
        }
    }

    /** For an event loop: called (on the offering thread) when a burst was queued and the outbox is not empty. */
    synchronized void onFirst(Runnable hook) {
        onFirst = hook;
    }

    /** For an event loop: the next payload, or null. */
    synchronized ByteBuffer poll() {
        return queue.poll();
    }

    synchronized int size() {
        return queue.size();
    }

    /** Starts the writer thread once: it writes each payload in order, blocking as long as the client makes it. */
    synchronized void start(String name, Sink sink) {
        if (writer != null || closed) {
            return;
        }
        writer = new Thread(() -> drain(sink), name);
        writer.setDaemon(true);
        writer.start();
    }

    /** The most payloads one gathering write takes. */
    private static final int BATCH = 64;

    private void drain(Sink sink) {
        List<ByteBuffer> next = new ArrayList<>(BATCH);
        while (true) {
            next.clear();
            synchronized (this) {
                while (queue.isEmpty() && !closed && !closeWhenEmpty) {
                    writerWaiting = true;
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                while (next.size() < BATCH && !queue.isEmpty()) {
                    next.add(queue.poll());
                }
            }
            if (next.isEmpty()) {
                sink.close(); // closeWhenEmpty, and everything before it is written
                return;
            }
            try {
                sink.write(next);
            } catch (IOException e) {
                // the client is gone; the connection's own thread sees the same and closes it
                WorkerLog.debug("outbox write failed: {}", e.toString());
                return;
            }
        }
    }

    /** Writes what is queued, then closes the connection; later offers are dropped. An event loop is woken to do so. */
    void closeWhenEmpty() {
        Runnable wake;
        synchronized (this) {
            closeWhenEmpty = true;
            notifyAll();
            wake = onFirst;
        }
        wake.run();
    }

    /** For an event loop: once {@link #poll()} returns null, whether the connection is to be closed. */
    synchronized boolean closeRequested() {
        return closeWhenEmpty;
    }

    /** Drops what is queued; the writer ends. */
    synchronized void close() {
        closed = true;
        queue.clear();
        notifyAll();
    }
}
