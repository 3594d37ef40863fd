package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits, who may connect, upstream PROXY headers, and bad clients. */
class HardeningIT {

    @Test
    void connectionsOverTheLimitsAreClosedAtOnce() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("limits", "--model", "threaded", "--workers", "1",
                "--max-connections", "4", "--max-per-ip", "2", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            try (Client a = new Client(port); Client b = new Client(port)) {
                assertEquals("A\n", a.roundTrip("a\n"));
                assertEquals("B\n", b.roundTrip("b\n"));
                try (Client third = new Client(port)) {
                    assertTrue(third.endsWithin(Duration.ofSeconds(10)), "a third connection from 127.0.0.1 is closed");
                }
                List<Socket> others = new ArrayList<>();
                try {
                    for (String ip : List.of("127.0.0.2", "127.0.0.3")) {
                        others.add(connectFrom(ip, port));
                    }
                    for (Socket s : others) {
                        s.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
                        assertEquals('X', s.getInputStream().read(), "another address is still admitted");
                    }
                    try (Socket fifth = connectFrom("127.0.0.4", port)) {
                        fifth.setSoTimeout(10_000);
                        assertEquals(-1, fifth.getInputStream().read(), "over --max-connections: closed");
                    }
                } finally {
                    for (Socket s : others) {
                        s.close();
                    }
                }
                assertEquals("A2\n", a.roundTrip("a2\n"));
            }
            forkd.awaitLine("closed a new connection at the limit of 2 connections from 127.0.0.1", Duration.ofSeconds(5));
            Map<String, Double> m = PromText.parse(admin.get("/metrics").body());
            assertEquals(1.0, m.get("forkd_connections_limited_total{limit=\"max_per_ip\"}"));
            assertEquals(1.0, m.get("forkd_connections_limited_total{limit=\"max_connections\"}"));
            // released slots are reusable
            try (Client again = new Client(port)) {
                assertEquals("AGAIN\n", again.roundTrip("again\n"));
            }
        }
    }

    @Test
    void fileDescriptorExhaustionBacksOffAndRecovers() throws Exception {
        // prefork with one worker: the rest wait in the queue holding one descriptor each, until accept() hits the limit
        try (ForkdProcess forkd = ForkdProcess.serve("emfile", "--workers", "1", "--queue", "1000", "--max-connections", "100000")) {
            int port = forkd.port();
            // the supervisor alone gets a low descriptor limit; its workers keep theirs
            Process prlimit = new ProcessBuilder("prlimit", "--nofile=160", "--pid", Long.toString(forkd.process.pid())).inheritIO().start();
            assertEquals(0, prlimit.waitFor());
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 150; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                    clients.add(s);
                }
                forkd.awaitLine("accept failed: .*Too many open files", Duration.ofSeconds(20));
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            try (Client c = new Client(port)) {
                assertEquals("RECOVERED\n", c.roundTrip("recovered\n"));
            }
            assertTrue(forkd.countLines("accept failed") <= 3, "logged once per interval, not once per attempt");
            assertTrue(forkd.process.isAlive());
        }
    }

    @Test
    void aSlowlorisIsClosedAndItsSlotFreed() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("slowloris", "--workers", "1", "--framing", "line", "--heartbeat-timeout", "2s",
                "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            try (Client slow = new Client(port)) {
                // its first byte gets it the worker (a connection that sends nothing gets none), before the next client comes
                slow.send("x");
                admin.awaitStatus(st -> st.path("connections").path("active").asInt() == 1, Duration.ofSeconds(10));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                boolean closed = false;
                try (Client waiting = new Client(port)) {
                    waiting.send("my turn\n");
                    // one byte every 500 ms, never a whole line: a message never completes
                    while (!closed && System.nanoTime() < deadline) {
                        try {
                            slow.send("x");
                        } catch (IOException e) {
                            closed = true;
                            break;
                        }
                        closed = slow.endsWithin(Duration.ofMillis(500));
                    }
                    assertTrue(closed, "the slow client was closed");
                    assertEquals("MY TURN\n", waiting.readString(8), "the worker slot it held went to the next client");
                }
            }
            forkd.awaitLine("heartbeat timeout", Duration.ofSeconds(5));
        }
    }

    @Test
    void clientsThatNeverReadKeepTheSupervisorBounded() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("never-read", "--model", "threaded", "--workers", "2", "--handler", "echo",
                "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            long rssBefore = rssKiB(forkd.process.pid());
            List<Socket> clients = new ArrayList<>();
            byte[] chunk = new byte[64 * 1024];
            try {
                for (int i = 0; i < 200; i++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                    s.setSoTimeout(2000);
                    clients.add(s);
                }
                // each client sends 1 MiB and reads nothing: writes stall once the buffers are full
                List<Thread> writers = new ArrayList<>();
                for (Socket s : clients) {
                    Thread t = new Thread(() -> {
                        try {
                            for (int k = 0; k < 16; k++) {
                                s.getOutputStream().write(chunk);
                            }
                        } catch (IOException e) {
                            // closed at the end of the test while blocked: expected
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                    writers.add(t);
                }
                JsonNode s = admin.awaitStatus(st -> st.path("connections").path("active").asInt() == 200, Duration.ofSeconds(60));
                assertEquals(200, s.path("connections").path("active").asInt());
                long grownKiB = rssKiB(forkd.process.pid()) - rssBefore;
                assertTrue(grownKiB < 96 * 1024, "supervisor RSS grew by " + grownKiB + " KiB for 200 stalled connections");
                assertTrue(s.path("supervisor").path("heapUsedBytes").asLong() < 256L << 20, s.toString());
            } finally {
                for (Socket c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void runtimeDirectoryIsPrivateAndWorkersRefuseOtherUsers(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        try (ForkdProcess forkd = ForkdProcess.serve("peer-credentials", "--workers", "1", "--runtime-dir", dir.toString())) {
            forkd.port();
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            Path socket = dir.resolve("worker-1.sock");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("control.sock"))));
            org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                    "connecting as another user needs root to switch users");
            // open the doors the modes close, to show that the worker checks who connects on its own too
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
                    "import socket,sys\n"
                            + "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)\n"
                            + "print('closed' if s.recv(1)==b'' else 'served')\n", socket.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals("closed", out);
            forkd.awaitLine("refused a connection from user", Duration.ofSeconds(10));
        }
    }

    @Test
    void adminControlsNeedTheBearerToken(@TempDir Path tmp) throws Exception {
        Path token = tmp.resolve("token");
        Files.writeString(token, "s3cret-token\n");
        try (ForkdProcess forkd = ForkdProcess.serve("admin-token", "--workers", "1", "--admin", "127.0.0.1:0",
                "--admin-token-file", token.toString())) {
            forkd.port();
            Admin admin = new Admin(forkd);
            assertEquals(200, admin.get("/status").statusCode(), "reading stays open");
            assertEquals(401, admin.post("/workers/reload").statusCode());
            assertEquals(401, admin.post("/workers/scale?delta=1").statusCode());
            String address = admin.base.substring("http://".length());
            try (ForkdProcess reload = ForkdProcess.run("admin-token-reload",
                    List.of("reload", "--admin", address, "--admin-token-file", token.toString()))) {
                assertEquals(0, reload.awaitExit(Duration.ofSeconds(120)), reload.output());
            }
            forkd.awaitLine("rolling restart complete", Duration.ofSeconds(60));
            try (ForkdProcess denied = ForkdProcess.run("admin-token-denied", List.of("reload", "--admin", address))) {
                assertEquals(1, denied.awaitExit(Duration.ofSeconds(120)));
                assertTrue(denied.output().contains("401"), denied.output());
            }
        }
    }

    @Test
    void acceptProxyForwardsTheRealClientAddress(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.Where", HandlerJars.WHERE);
        try (ForkdProcess forkd = ForkdProcess.serve("accept-proxy", "--workers", "2", "--accept-proxy", "--framing", "line",
                "--handler", "com.example.Where", "--worker-classpath", jar.toString())) {
            int port = forkd.port();
            try (Client c = new Client(port)) {
                c.send("PROXY TCP4 192.0.2.7 198.51.100.1 40000 443\r\nwho\n");
                assertEquals("192.0.2.7:40000\n", c.readString(16));
            }
            try (Client c = new Client(port)) {
                byte[] v2 = dev.forkd.shared.ProxyV2.encode(new InetSocketAddress("2001:db8::7", 5555), new InetSocketAddress("2001:db8::1", 443));
                c.send(concat(v2, "who\n".getBytes(StandardCharsets.US_ASCII)));
                assertEquals("2001:db8:0:0:0:0:0:7:5555\n", c.readString(26));
            }
            try (Client c = new Client(port)) {
                c.send("GET / HTTP/1.1\r\n\r\n");
                assertTrue(c.endsWithin(Duration.ofSeconds(10)), "no PROXY header: closed");
            }
            try (Client c = new Client(port)) {
                c.send("PROXY TCP4 999.1.1.1 1.1.1.1 1 2\r\n");
                assertTrue(c.endsWithin(Duration.ofSeconds(10)), "malformed PROXY header: closed");
            }
            forkd.awaitLine("no valid PROXY header", Duration.ofSeconds(5));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    private static Socket connectFrom(String ip, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(ip, 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static long rssKiB(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D+", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }
}
