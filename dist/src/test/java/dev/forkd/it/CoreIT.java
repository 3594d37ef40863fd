package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core issue end to end: a real supervisor with real worker JVMs on an ephemeral port. */
class CoreIT {

    @Test
    void upperCasesManySendsOnOneConnection() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("upper-many", "--workers", "2");
                Client c = new Client(forkd.port())) {
            for (int i = 0; i < 200; i++) {
                assertEquals("MESSAGE " + i + " ÄND\n", c.roundTrip("message " + i + " Änd\n").replace("Ä", "Ä"));
            }
        }
    }

    @Test
    void stickyPacketsManySmallSendsAndOneByteAtATime() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("sticky", "--workers", "2");
                Client c = new Client(forkd.port())) {
            // many small sends, read back at once: TCP keeps no boundaries, only the bytes and their order
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                String m = "part" + i + ";";
                c.send(m);
                expected.append(m.toUpperCase(Locale.ROOT));
            }
            assertEquals(expected.toString(), c.readString(expected.length()));

            // one message written a byte at a time
            String msg = "one byte at a time\n";
            for (byte b : msg.getBytes(StandardCharsets.US_ASCII)) {
                c.send(new byte[] {b});
            }
            assertEquals(msg.toUpperCase(Locale.ROOT), c.readString(msg.length()));
        }
    }

    @Test
    void oneMebibyteStreamsThroughWithHalfClose() throws Exception {
        byte[] data = new byte[1 << 20];
        Random random = new Random(42);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ('a' + random.nextInt(26));
        }
        try (ForkdProcess forkd = ForkdProcess.serve("one-mib", "--workers", "2");
                Client c = new Client(forkd.port())) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int off = 0; off < data.length; off += 8192) {
                        c.send(java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + 8192)));
                    }
                    c.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] got = readToEof(c.input());
            writer.get(30, TimeUnit.SECONDS);
            byte[] expected = new String(data, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            assertEquals(expected.length, got.length);
            assertArrayEquals(expected, got);
        }
    }

    @Test
    void killingOneWorkerLeavesTheOtherClientAlone() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("kill-worker", "--workers", "2", "--log-level", "DEBUG")) {
            int port = forkd.port();
            try (Client a = new Client(port); Client b = new Client(port)) {
                assertEquals("A1\n", a.roundTrip("a1\n"));
                assertEquals("B1\n", b.roundTrip("b1\n"));
                int workerOfA = workerServing(forkd, a);
                int workerOfB = workerServing(forkd, b);
                assertNotEquals(workerOfA, workerOfB, "prefork: one connection per worker");
                long pidOfA = forkd.readyWorkers().get(workerOfA);

                assertTrue(ProcessHandle.of(pidOfA).orElseThrow().destroyForcibly(), "SIGKILL sent");

                assertTrue(a.endsWithin(Duration.ofSeconds(20)), "the killed worker's client sees its connection end");
                assertEquals("B2\n", b.roundTrip("b2\n"), "the other client keeps working");
                forkd.awaitLine("worker " + workerOfA + " \\(pid " + pidOfA + "\\) exited unexpectedly \\(killed by signal KILL \\(9\\)\\).*took down 1 client",
                        Duration.ofSeconds(20));
                forkd.awaitLine("worker 3 \\(pid \\d+\\) ready", Duration.ofSeconds(60));
                assertEquals("B3\n", b.roundTrip("b3\n"));
            }
            try (Client c = new Client(port)) {
                assertEquals("NEW CLIENT\n", c.roundTrip("new client\n"));
            }
        }
    }

    @Test
    void iterativeModelServesOneClientAtATime() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("iterative", "--model", "iterative")) {
            int port = forkd.port();
            try (Client a = new Client(port)) {
                assertEquals("A\n", a.roundTrip("a\n"));
                // B's connect succeeds at once (the supervisor accepts and queues it) ...
                try (Client b = new Client(port)) {
                    b.send("b\n");
                    // ... but its reply waits until A is done, as in the seed's timeline
                    assertTrue(b.silentFor(Duration.ofSeconds(1)), "B is not served while A is connected");
                    assertEquals("A2\n", a.roundTrip("a2\n"));
                    a.close();
                    assertEquals("B\n", b.readString(2));
                }
            }
        }
    }

    @Test
    void aWorkerThatCannotBootStopsTheSupervisorWithExit3() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("boot-failure", "--workers", "2", "--handler", "com.example.NoSuchHandler")) {
            assertEquals(3, forkd.awaitExit(Duration.ofSeconds(60)));
            String out = forkd.output();
            assertTrue(out.contains("com.example.NoSuchHandler"), out);
            assertTrue(out.contains("failed to boot"), out);
            assertFalse(out.contains("listening on"), out);
        }
    }

    @Test
    void portInUseExits4WithOneClearLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            try (ForkdProcess forkd = ForkdProcess.serve("port-in-use", "--port", Integer.toString(port), "--workers", "1")) {
                assertEquals(4, forkd.awaitExit(Duration.ofSeconds(30)));
                String out = forkd.output();
                assertTrue(out.contains("port " + port + " is already in use"), out);
                assertFalse(out.contains("Exception"), "no stack trace: " + out);
            }
        }
    }

    @Test
    void adminPortInUseExits4AndLeavesNothingBehind(@TempDir Path tmp) throws Exception {
        Path runtimeDir = tmp.resolve("run");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String admin = "127.0.0.1:" + taken.getLocalPort();
            try (ForkdProcess forkd = ForkdProcess.serve("admin-port-in-use", "--workers", "2", "--admin", admin,
                    "--runtime-dir", runtimeDir.toString())) {
                assertEquals(4, forkd.awaitExit(Duration.ofSeconds(30)));
                String out = forkd.output();
                assertTrue(out.contains("cannot serve the admin endpoint on " + admin), out);
                assertFalse(out.contains("Exception"), "no stack trace: " + out);
                assertFalse(out.contains("listening on"), out);
                // every part started before the admin endpoint is closed again: no worker, no runtime directory
                String dir = runtimeDir.toString();
                assertEquals(List.of(), ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().map(c -> c.contains(dir)).orElse(false))
                        .map(ProcessHandle::pid).collect(java.util.stream.Collectors.toList()));
                assertFalse(Files.exists(runtimeDir), "the runtime directory is removed");
            }
        }
    }

    @Test
    void sigtermLetsTheLiveConversationFinish(@TempDir Path tmp) throws Exception {
        Path runtimeDir = tmp.resolve("run");
        try (ForkdProcess forkd = ForkdProcess.serve("sigterm", "--workers", "2", "--runtime-dir", runtimeDir.toString())) {
            int port = forkd.port();
            List<ProcessHandle> workers = forkd.children();
            assertEquals(2, workers.size());
            assertTrue(Files.isDirectory(runtimeDir));
            try (Client c = new Client(port)) {
                assertEquals("BEFORE\n", c.roundTrip("before\n"));
                forkd.signal("TERM");
                forkd.awaitLine("stopping gracefully", Duration.ofSeconds(20));
                assertEquals("DURING SHUTDOWN\n", c.roundTrip("during shutdown\n"));
                assertTrue(forkd.process.isAlive(), "waits for the live conversation");
            }
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
            for (ProcessHandle w : workers) {
                w.onExit().get(10, TimeUnit.SECONDS);
                assertFalse(w.isAlive(), "worker " + w.pid() + " is gone");
            }
            assertFalse(Files.exists(runtimeDir), "runtime directory removed");
        }
    }

    @Test
    void killingTheSupervisorTakesEveryWorkerWithIt() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("kill-supervisor", "--workers", "3")) {
            forkd.port();
            List<ProcessHandle> workers = forkd.children();
            assertEquals(3, workers.size());
            forkd.process.destroyForcibly(); // SIGKILL: no chance to clean up
            for (ProcessHandle w : workers) {
                w.onExit().get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void servesOnIpv6Loopback() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6LoopbackAvailable(), "no IPv6 loopback on this machine");
        try (ForkdProcess forkd = ForkdProcess.serve("ipv6", "--host", "::1", "--workers", "1")) {
            Matcher m = forkd.awaitLine("listening on \\[::1\\]:(\\d+)", ForkdProcess.START_TIMEOUT);
            try (Client c = new Client("::1", Integer.parseInt(m.group(1)))) {
                assertEquals("V6\n", c.roundTrip("v6\n"));
            }
        }
    }

    private static boolean ipv6LoopbackAvailable() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The worker id that the supervisor's debug log says serves this client. */
    private static int workerServing(ForkdProcess forkd, Client c) throws InterruptedException {
        Matcher m = forkd.awaitLine("connection \\d+ from 127\\.0\\.0\\.1:" + c.localPort() + " -> worker (\\d+)", Duration.ofSeconds(10));
        return Integer.parseInt(m.group(1));
    }

    private static byte[] readToEof(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

}
