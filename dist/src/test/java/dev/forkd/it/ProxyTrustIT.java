package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: who may send a PROXY header, whose address --max-per-ip counts, how big a header may
 * be, what silent clients cost, and how many log lines a flood of bad headers makes.
 */
class ProxyTrustIT {
    private static final Duration PROMPTLY = Duration.ofSeconds(3);

    @Test
    void onlyATrustedProxyMayNameTheClient(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.Where", HandlerJars.WHERE);
        try (ForkdProcess forkd = ForkdProcess.serve("proxy-trust", "--workers", "2", "--accept-proxy", "--trusted-proxy", "127.0.0.2/32",
                "--framing", "line", "--handler", "com.example.Where", "--worker-classpath", jar.toString(), "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            String spoof = "PROXY TCP4 6.6.6.6 198.51.100.1 40000 443\r\nwho\n";
            // a client connecting directly (from 127.0.0.1) claims to be 6.6.6.6
            try (Socket direct = connectFrom("127.0.0.1", port)) {
                write(direct, spoof);
                assertEquals("", readLine(direct), "refused: the handler never sees 6.6.6.6");
            }
            // the same header from the trusted proxy's address is believed
            try (Socket proxy = connectFrom("127.0.0.2", port)) {
                write(proxy, spoof);
                assertEquals("6.6.6.6:40000", readLine(proxy));
            }
            forkd.awaitLine("closed a connection from 127.0.0.1: with --accept-proxy only a --trusted-proxy \\(\\[127.0.0.2/32\\]\\)",
                    PROMPTLY);
            Map<String, Double> m = PromText.parse(admin.get("/metrics").body());
            assertEquals(1.0, m.get("forkd_connections_limited_total{limit=\"untrusted_proxy\"}"));
        }
    }

    @Test
    void behindOneProxyMaxPerIpCountsTheDeclaredAddresses(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.Where", HandlerJars.WHERE);
        try (ForkdProcess forkd = ForkdProcess.serve("proxy-per-ip", "--workers", "3", "--accept-proxy", "--max-per-ip", "1",
                "--framing", "line", "--handler", "com.example.Where", "--worker-classpath", jar.toString(), "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            // all three come from the one proxy, 127.0.0.1; each stays connected
            try (Socket a = connectFrom("127.0.0.1", port); Socket b = connectFrom("127.0.0.1", port)) {
                write(a, "PROXY TCP4 192.0.2.1 198.51.100.1 1111 443\r\nwho\n");
                assertEquals("192.0.2.1:1111", readLine(a));
                write(b, "PROXY TCP4 192.0.2.2 198.51.100.1 2222 443\r\nwho\n");
                assertEquals("192.0.2.2:2222", readLine(b), "another client behind the same proxy has its own quota");
                try (Socket again = connectFrom("127.0.0.1", port)) {
                    write(again, "PROXY TCP4 192.0.2.1 198.51.100.1 3333 443\r\nwho\n");
                    assertEquals("", readLine(again), "a second connection declaring 192.0.2.1 is over its --max-per-ip");
                }
                write(a, "who\n");
                assertEquals("192.0.2.1:1111", readLine(a), "the first one is untouched");
            }
            forkd.awaitLine("closed a new connection at the limit of 1 connections from 192.0.2.1 \\(--max-per-ip, the address its PROXY header declared\\)",
                    PROMPTLY);
            Map<String, Double> m = PromText.parse(admin.get("/metrics").body());
            assertEquals(1.0, m.get("forkd_connections_limited_total{limit=\"max_per_ip\"}"));
            // the declared address's slot is released with its connection
            try (Socket later = connectFrom("127.0.0.1", port)) {
                write(later, "PROXY TCP4 192.0.2.1 198.51.100.1 4444 443\r\nwho\n");
                assertEquals("192.0.2.1:4444", readLine(later));
            }
        }
    }

    @Test
    void aV2HeaderDeclaringMoreThanTheBoundIsRefusedAtOnce() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("proxy-oversized", "--workers", "1", "--accept-proxy")) {
            int port = forkd.port();
            byte[] fixed = dev.forkd.shared.ProxyV2.encodeLocal();
            fixed[14] = (byte) (60000 >> 8);
            fixed[15] = (byte) (60000 & 0xFF);
            try (Socket s = connectFrom("127.0.0.1", port)) {
                long t0 = System.nanoTime();
                s.getOutputStream().write(fixed);
                s.setSoTimeout((int) PROMPTLY.toMillis());
                assertEquals(-1, s.getInputStream().read(), "closed without waiting for the 60000 bytes");
                assertTrue(System.nanoTime() - t0 < PROMPTLY.toNanos());
            }
            forkd.awaitLine("no valid PROXY header \\(PROXY v2 header declares 60000 bytes, more than the 2048 accepted\\)", PROMPTLY);
        }
    }

    @Test
    void silentConnectionsDoNotHoldTheWorkers() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("silent-clients", "--workers", "4", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            List<Client> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    silent.add(new Client(port));
                }
                long t0 = System.nanoTime();
                try (Client fifth = new Client(port)) {
                    assertEquals("SERVED\n", fifth.roundTrip("served\n"));
                }
                assertTrue(System.nanoTime() - t0 < PROMPTLY.toNanos(), "the fifth client got its answer promptly");
                for (Client c : silent) {
                    assertFalse(c.endsWithin(Duration.ofMillis(50)), "the silent ones are still waiting, within --first-data-timeout");
                }
                assertEquals(0, admin.awaitStatus(s -> s.path("connections").path("active").asInt(-1) == 0, PROMPTLY)
                        .path("connections").path("queued").asInt(), "none of them took a worker or a queue place");
                // a silent client that speaks at last is served like any other
                assertEquals("LATE\n", silent.get(0).roundTrip("late\n"));
            } finally {
                for (Client c : silent) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTheFirstDataTimeout() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("first-data-timeout", "--workers", "1", "--first-data-timeout", "1s",
                "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            try (Client c = new Client(port)) {
                long t0 = System.nanoTime();
                assertTrue(c.endsWithin(Duration.ofSeconds(10)), "closed");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms >= 900 && ms < 5000, "closed after about 1s, not " + ms + " ms");
            }
            forkd.awaitLine("closed a connection from /127.0.0.1:\\d+: nothing received within 1s \\(--first-data-timeout\\)", PROMPTLY);
            Map<String, Double> m = PromText.parse(admin.get("/metrics").body());
            assertEquals(1.0, m.get("forkd_connections_first_data_timeouts_total"));
            try (Client c = new Client(port)) {
                assertEquals("STILL SERVING\n", c.roundTrip("still serving\n"));
            }
        }
    }

    /** Greets each client before it says anything, as an SMTP server does. */
    private static final String GREETER = "package com.example;\n"
            + "import dev.forkd.api.*; import java.nio.ByteBuffer;\n"
            + "public class Greeter implements Handler {\n"
            + "  public boolean speaksFirst() { return true; }\n"
            + "  public void onOpen(Connection c) throws Exception { c.reply(ByteBuffer.wrap(\"220 hello\\n\".getBytes())); }\n"
            + "  public void onMessage(Connection c, ByteBuffer m) { }\n"
            + "}\n";

    @Test
    void aHandlerThatSpeaksFirstGetsItsWorkerAtOnceWhenForkdIsTold(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.Greeter", GREETER);
        try (ForkdProcess forkd = ForkdProcess.serve("speaks-first", "--workers", "1", "--handler", "com.example.Greeter",
                "--worker-classpath", jar.toString(), "--handler-speaks-first")) {
            try (Client c = new Client(forkd.port())) {
                assertEquals("220 hello\n", c.readString(10), "greeted without sending anything");
            }
            assertEquals(0, forkd.countLines("speaks first, but"), forkd.output());
        }
        try (ForkdProcess forkd = ForkdProcess.serve("speaks-first-untold", "--workers", "1", "--handler", "com.example.Greeter",
                "--worker-classpath", jar.toString())) {
            forkd.port();
            forkd.awaitLine("WARN .*handler com.example.Greeter speaks first, but forkd was not started with --handler-speaks-first", PROMPTLY);
        }
    }

    @Test
    void aFloodOfBadHeadersMakesAHandfulOfLogLines() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("proxy-flood", "--workers", "1", "--accept-proxy", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            int total = 2000;
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> senders = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    senders.add(pool.submit(() -> {
                        for (int i = 0; i < total / 4; i++) {
                            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                                s.setSoTimeout(10_000);
                                s.getInputStream().read(); // until forkd closes it
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : senders) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            double rejected = Await.last(Duration.ofSeconds(10),
                    () -> PromText.parse(admin.get("/metrics").body()).getOrDefault("forkd_connections_bad_proxy_header_total", 0.0),
                    r -> r >= total);
            assertEquals(total, rejected, 0.0, "every bad header counted");
            long lines = forkd.countLines("no valid PROXY header");
            assertTrue(lines >= 1 && lines <= 5, lines + " log lines for " + total + " bad headers");
            try (Client c = new Client(port)) {
                c.send("PROXY TCP4 192.0.2.1 198.51.100.1 1 2\r\nafter\n");
                assertEquals("AFTER\n", c.readString(6), "a good client is still served");
            }
        }
    }

    private static Socket connectFrom(String ip, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(ip, 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * One non-empty line without its newline (the line framer ends Where's reply with a newline of
     * its own, so an empty line follows each); "" if the connection ends first (a reset counts as an end).
     */
    private static String readLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        try {
            int b;
            while ((b = in.read()) >= 0 && (b != '\n' || sb.length() == 0)) {
                if (b != '\n') {
                    sb.append((char) b);
                }
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            return "";
        }
        return sb.toString();
    }
}
