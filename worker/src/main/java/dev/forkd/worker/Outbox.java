package dev.forkd.worker;

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
final class Outbox {
    /** Writes payloads (each framed by the connection) and closes the connection. */
    interface Sink {
        /** Writes them in order, in as few system calls as the socket allows. */
        void write(List<ByteBuffer> payloads) throws IOException;

        void close();
    }

    private final int limit;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private boolean closed;
    private boolean closeWhenEmpty;
    private Thread writer;
    private Runnable onFirst = () -> { };

    Outbox(int limit) {
        this.limit = limit;
    }

    /**
     * Queues {@code payload} without waking the writer: the caller queues a burst, then calls
     * {@link #wake()} once, so that the writer writes the burst in one gathering write rather than
     * waking per message. False if the outbox is full. After {@link #close()} everything is
     * accepted and dropped.
     */
    synchronized boolean offer(ByteBuffer payload) {
        if (closed || closeWhenEmpty) {
            return true;
        }
        if (queue.size() >= limit) {
            return false;
        }
        queue.add(payload);
        return true;
    }

    /** Wakes the writer (the thread, or an event loop through {@link #onFirst}) if anything is queued. */
    void wake() {
        Runnable hook;
        synchronized (this) {
            if (queue.isEmpty()) {
                return;
            }
            notifyAll();
            hook = onFirst;
        }
        hook.run();
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
