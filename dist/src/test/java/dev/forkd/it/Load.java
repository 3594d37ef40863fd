package dev.forkd.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady closed-loop load for lifecycle tests: each client thread opens a connection, does one
 * round trip, closes, and starts again, until stopped. Every failure is kept with its reason and
 * the instant its request began, so that a test can tell which ones were in flight at an event.
 */
final class Load implements AutoCloseable {
    /** One round trip on a fresh connection: null if it went right, else what went wrong. */
    @FunctionalInterface
    interface Request {
        String exchange(Client c, String msg) throws IOException;
    }

    /** The default: the reply is the request in upper case (the `upper` handler). */
    static final Request UPPER = (c, msg) -> {
        String reply = c.roundTrip(msg);
        return reply.equals(msg.toUpperCase(java.util.Locale.ROOT)) ? null : "wrong reply: '" + reply.trim() + "'";
    };

    record Failure(long startedNanos, String what) {
        @Override
        public String toString() {
            return what;
        }
    }

    final AtomicLong ok = new AtomicLong();
    final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    Load(int port, int clients) {
        this(port, clients, UPPER);
    }

    Load(int port, int clients, Request request) {
        for (int i = 0; i < clients; i++) {
            int id = i;
            Thread t = new Thread(() -> loop(port, id, request), "load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    int clients() {
        return threads.size();
    }

    private void loop(int port, int id, Request request) {
        long n = 0;
        while (running.get()) {
            long started = System.nanoTime();
            String msg = "client " + id + " request " + n++ + "\n";
            try (Client c = new Client(port)) {
                String wrong = request.exchange(c, msg);
                if (wrong == null) {
                    ok.incrementAndGet();
                    synchronized (ok) {
                        ok.notifyAll();
                    }
                } else {
                    failures.add(new Failure(started, msg.trim() + ": " + wrong));
                }
            } catch (IOException e) {
                failures.add(new Failure(started, msg.trim() + ": " + e));
            }
        }
    }

    /** Waits until at least {@code n} more requests have succeeded; false at the deadline. */
    boolean awaitMore(long n, long timeoutMs) throws InterruptedException {
        long target = ok.get() + n;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (ok) {
            while (ok.get() < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(ok, left);
            }
        }
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
