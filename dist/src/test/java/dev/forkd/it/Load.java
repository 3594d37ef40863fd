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
 * round trip, closes, and starts again, until stopped. Every failure is kept with its reason.
 */
final class Load implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    Load(int port, int clients) {
        for (int i = 0; i < clients; i++) {
            int id = i;
            Thread t = new Thread(() -> loop(port, id), "load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void loop(int port, int id) {
        long n = 0;
        while (running.get()) {
            String msg = "client " + id + " request " + n++ + "\n";
            try (Client c = new Client(port)) {
                String reply = c.roundTrip(msg);
                if (reply.equals(msg.toUpperCase(java.util.Locale.ROOT))) {
                    ok.incrementAndGet();
                    synchronized (ok) {
                        ok.notifyAll();
                    }
                } else {
                    failures.add("wrong reply to '" + msg.trim() + "': '" + reply.trim() + "'");
                }
            } catch (IOException e) {
                failures.add(msg.trim() + ": " + e);
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
