package dev.forkd.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load through a proxy to the `Where` handler ({@link HandlerJars#WHERE}): each client
 * thread opens a connection, asks "who", checks that the worker saw this very socket's address
 * (the PROXY header made it through), closes, and starts again. Every failure is kept with the
 * instant its request began, so that a test can say which ones were in flight at an event.
 */
final class AddressLoad implements AutoCloseable {
    record Failure(long startedNanos, String what) {
    }

    final AtomicLong ok = new AtomicLong();
    final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    AddressLoad(int port, int clients) {
        for (int i = 0; i < clients; i++) {
            int id = i;
            Thread t = new Thread(() -> loop(port, id), "address-load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    int clients() {
        return threads.size();
    }

    private void loop(int port, int id) {
        long n = 0;
        while (running.get()) {
            long started = System.nanoTime();
            String what = "client " + id + " request " + n++;
            try (Client c = new Client(port)) {
                String reply = who(c);
                if (reply.equals("127.0.0.1:" + c.localPort())) {
                    ok.incrementAndGet();
                    synchronized (ok) {
                        ok.notifyAll();
                    }
                } else {
                    failures.add(new Failure(started, what + ": the worker saw " + reply + ", not 127.0.0.1:" + c.localPort()));
                }
            } catch (IOException e) {
                failures.add(new Failure(started, what + ": " + e));
            }
        }
    }

    /** One "who" round trip: the address the worker saw for this connection's client. */
    static String who(Client c) throws IOException {
        c.send("who\n");
        String line;
        // Where's reply ends with a newline and line framing adds its own: skip the empty line that follows
        while ((line = readLine(c)).isEmpty()) {
            // an empty line: the previous reply's framing newline
        }
        return line;
    }

    private static String readLine(Client c) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = c.input().read()) >= 0 && ch != '\n') {
            sb.append((char) ch);
        }
        if (ch < 0) {
            throw new IOException("closed before a whole line: '" + sb + "'");
        }
        return sb.toString();
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
