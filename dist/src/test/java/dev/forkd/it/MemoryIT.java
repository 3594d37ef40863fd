package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The supervisor's memory under clients that do not read, and --min-rate against slow ones. */
class MemoryIT {
    private static final int FLOOD_CLIENTS = 1500;
    private static final int CHUNK = 64 * 1024;

    /**
     * 1500 clients that send without reading, against a small heap: on 99ba584 their pending
     * relay buffers filled it, OutOfMemoryError killed the relay, pool and accept threads, and
     * the process stayed up serving nothing and ignoring TERM. Now the relay stops reading once
     * its memory budget is spent, and forkd still serves and stops.
     * (-Xmx48m: at -Xmx96m the kernel's socket buffers on loopback take most of what the clients send, and 1500 clients leave too little pending in the heap to fill it; at 48m they fill it within seconds.)
     */
    @Test
    void clientsThatDoNotReadCannotExhaustTheHeap() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serveWithJvm(List.of("-Xmx48m"), "memory-flood",
                "--model", "threaded", "--workers", "4", "--handler", "echo", "--buffer-size", "64k",
                "--graceful-timeout", "5s", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            try (Flood flood = new Flood(port, FLOOD_CLIENTS)) {
                flood.start();
                forkd.awaitLine("memory budget of \\d+ MiB spent .*: not (reading from|accepting)", Duration.ofSeconds(40));
                JsonNode self = admin.awaitStatus(s -> s.path("supervisor").path("bufferBudgetExhausted").asLong() > 0,
                        Duration.ofSeconds(10)).path("supervisor");
                long limit = self.path("bufferBudgetBytes").asLong();
                assertTrue(limit > 0 && limit < 48L << 20, "a budget below the heap: " + self);
                // the overshoot is at most one chunk per relay thread
                long bound = limit + (long) Runtime.getRuntime().availableProcessors() * CHUNK;
                assertTrue(self.path("bufferBytesUsed").asLong() <= bound, "buffers within the budget: " + self);
                Map<String, Double> m = PromText.parse(admin.get("/metrics").body());
                assertEquals((double) limit, m.get("forkd_buffer_budget_bytes"));
                assertTrue(m.get("forkd_buffer_budget_exhausted_total") > 0, "exhaustion counted in /metrics");
            }
            // the flood is gone: what it held comes back, and a fresh client is served at once
            admin.awaitStatus(s -> s.path("supervisor").path("bufferBytesUsed").asLong() == 0, Duration.ofSeconds(20));
            try (Client fresh = new Client(port)) {
                fresh.socket.setSoTimeout(5_000);
                assertEquals("still here\n", fresh.roundTrip("still here\n"));
            }
            forkd.signal("TERM");
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
            assertFalse(forkd.output().contains("java.lang.OutOfMemoryError"), "no OutOfMemoryError:\n" + forkd.output());
        }
    }

    /** A client sending a byte a second holds a prefork worker; --min-rate 100B/s closes it, not a fast one. */
    @Test
    void minRateClosesASlowClientAndKeepsAFastOne() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("min-rate", "--workers", "2", "--handler", "echo",
                "--min-rate", "100B/s", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            try (Client slow = new Client(port); Client fast = new Client(port)) {
                assertEquals("s", slow.roundTrip("s"));
                String line = "x".repeat(99) + "\n";
                long start = System.nanoTime();
                boolean slowClosed = false;
                // pacing the clients (a byte a second, a line every 100 ms), not waiting for forkd
                while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(25)) {
                    for (int i = 0; i < 10; i++) {
                        assertEquals(line, fast.roundTrip(line));
                        TimeUnit.MILLISECONDS.sleep(100);
                    }
                    try {
                        slow.send("s");
                    } catch (IOException e) {
                        slowClosed = true;
                        break;
                    }
                    if (slow.endsWithin(Duration.ofMillis(50))) {
                        slowClosed = true;
                        break;
                    }
                }
                long took = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                assertTrue(slowClosed, "the slow client was closed");
                assertTrue(took >= 9 && took <= 22, "closed after one 10 s window (and a sweep), not " + took + " s");
                assertEquals(line, fast.roundTrip(line), "the fast client is still served");
            }
            forkd.awaitLine("moved \\d+ byte\\(s\\) in 1\\d s, under --min-rate 100B/s; closing", Duration.ofSeconds(5));
            Map<String, Double> m = PromText.parse(admin.get("/metrics").body());
            assertEquals(1.0, m.get("forkd_connections_too_slow_total"));
        }
    }

    /** Clients that connect and write 64 KiB chunks as fast as they can, and never read. */
    private static final class Flood implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final List<SocketChannel> channels = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Flood(int port, int n) throws IOException {
            for (int i = 0; i < n; i++) {
                SocketChannel c = SocketChannel.open();
                c.configureBlocking(false);
                c.connect(new InetSocketAddress("127.0.0.1", port));
                c.register(selector, SelectionKey.OP_CONNECT);
                channels.add(c);
            }
            thread = new Thread(this::pump, "flood");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void pump() {
            byte[] data = new byte[CHUNK];
            Arrays.fill(data, (byte) 'a');
            ByteBuffer buf = ByteBuffer.wrap(data);
            try {
                while (running.get()) {
                    selector.select(key -> {
                        SocketChannel c = (SocketChannel) key.channel();
                        try {
                            if (key.isConnectable()) {
                                c.finishConnect();
                                key.interestOps(SelectionKey.OP_WRITE);
                            } else if (key.isWritable()) {
                                buf.clear();
                                c.write(buf);
                            }
                        } catch (IOException e) {
                            // forkd closed or refused this one: the others go on
                            key.cancel();
                        }
                    }, 200);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws IOException {
            running.set(false);
            selector.wakeup();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (SocketChannel c : channels) {
                c.close();
            }
            selector.close();
        }
    }
}
