package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker protocols end to end: framing, heartbeats, timeouts, bad input, HTTP and user handlers. */
class ProtocolIT {
    private static final String PING = "{\"type\":\"ping\"}";
    private static final String PONG = "{\"type\":\"pong\"}";

    @Test
    void lineFramingAnswersPingsItselfAndUpperCasesData() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("line", "--workers", "1", "--framing", "line");
                Client c = new Client(forkd.port())) {
            c.send("hello\r\n" + PING + "\nworld\n");
            assertEquals("HELLO\n" + PONG + "\nWORLD\n", c.readString(6 + PONG.length() + 1 + 6));
        }
    }

    @Test
    void lengthFramingIsTheSeedsStructPackClient() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("length", "--workers", "1", "--framing", "length");
                Client c = new Client(forkd.port())) {
            c.send(concat(lengthFrame("hello"), lengthFrame(""), lengthFrame(PING)));
            DataInputStream in = new DataInputStream(c.input());
            assertEquals("HELLO", readLengthFrame(in));
            assertEquals("", readLengthFrame(in), "a zero-length message is a message");
            assertEquals(PONG, readLengthFrame(in));
        }
    }

    @Test
    void fixedFramingDropsATrailingPartialRecord() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("fixed", "--workers", "1", "--framing", "fixed", "--fixed-size", "8");
                Client c = new Client(forkd.port())) {
            c.send("abcdefghijklmnopxyz");
            c.shutdownOutput();
            assertEquals("ABCDEFGHIJKLMNOP", new String(c.input().readAllBytes(), StandardCharsets.US_ASCII));
            forkd.awaitLine("dropped its 3 trailing byte", Duration.ofSeconds(10));
        }
    }

    @Test
    void aTwoGibLengthPrefixGetsAnErrorAndTheWorkerStaysSmall() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("huge-prefix", "--workers", "1", "--framing", "length", "--max-frame", "1MiB")) {
            int port = forkd.port();
            long pid = forkd.readyWorkers().values().iterator().next();
            long rssBefore = rssKiB(pid);
            try (Client c = new Client(port)) {
                c.send(new byte[] {(byte) 0x80, 0, 0, 0, 'x'});
                String error = readLengthFrame(new DataInputStream(c.input()));
                assertTrue(error.startsWith("{\"type\":\"error\",\"message\":\"") && error.contains("2147483648"), error);
                assertTrue(c.endsWithin(Duration.ofSeconds(10)), "closed after the error");
            }
            assertBounded(pid, rssBefore);
            try (Client c = new Client(port)) {
                c.send(lengthFrame("still serving"));
                assertEquals("STILL SERVING", readLengthFrame(new DataInputStream(c.input())));
            }
        }
    }

    @Test
    void aHundredMebibyteLineWithNoEndGetsAnErrorAndTheWorkerStaysSmall() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("endless-line", "--workers", "1", "--framing", "line", "--max-frame", "1MiB")) {
            int port = forkd.port();
            long pid = forkd.readyWorkers().values().iterator().next();
            long rssBefore = rssKiB(pid);
            try (Client c = new Client(port)) {
                CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    Arrays.fill(chunk, (byte) 'a');
                    long sent = 0;
                    try {
                        while (sent < 100L << 20) {
                            c.send(chunk);
                            sent += chunk.length;
                        }
                    } catch (IOException e) {
                        // expected: forkd closes the connection once the line is over the limit
                    }
                    return sent;
                });
                String reply = readLine(c.input());
                assertTrue(reply.startsWith("{\"type\":\"error\"") && reply.contains("1048576"), reply);
                assertTrue(c.endsWithin(Duration.ofSeconds(20)), "closed after the error");
                long sent = writer.get(60, TimeUnit.SECONDS);
                assertTrue(sent < 100L << 20, "the connection was closed before 100 MiB were taken (" + sent + ")");
            }
            assertBounded(pid, rssBefore);
        }
    }

    @Test
    void aPingLikeFrameThatIsNotJsonIsAnError() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("bad-ping", "--workers", "1", "--framing", "line");
                Client c = new Client(forkd.port())) {
            c.send("{\"type\":ping}\n");
            String reply = readLine(c.input());
            assertTrue(reply.contains("\"type\":\"error\"") && reply.contains("heartbeat"), reply);
            assertTrue(c.endsWithin(Duration.ofSeconds(10)));
        }
    }

    @Test
    void heartbeatTimeoutClosesASilentFramedConnectionButPingsKeepItOpen() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("heartbeat-timeout", "--workers", "2", "--framing", "line", "--heartbeat-timeout", "3s")) {
            int port = forkd.port();
            try (Client pinging = new Client(port); Client silent = new Client(port)) {
                // a byte but never a whole message: enough to get a worker (the supervisor holds connections
                // that send nothing at all), whose heartbeat timeout is what is tested here
                silent.send("s");
                // pings every ~300 ms for longer than the timeout: a loaded machine has 10x margin
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4000);
                while (System.nanoTime() < deadline) {
                    assertEquals(PONG + "\n", pinging.roundTrip(PING + "\n"));
                    assertTrue(pinging.silentFor(Duration.ofMillis(300)), "nothing but pongs arrive");
                }
                assertTrue(silent.endsWithin(Duration.ofSeconds(20)), "the silent connection is closed");
                assertEquals(PONG + "\n", pinging.roundTrip(PING + "\n"), "the pinging one is still open");
            }
            forkd.awaitLine("heartbeat timeout", Duration.ofSeconds(5));
        }
    }

    @Test
    void idleTimeoutClosesARawConnectionWithNoTraffic() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("idle-timeout", "--workers", "1", "--idle-timeout", "1s");
                Client c = new Client(forkd.port())) {
            assertEquals("X\n", c.roundTrip("x\n"));
            assertTrue(c.endsWithin(Duration.ofSeconds(10)));
            forkd.awaitLine("idle timeout", Duration.ofSeconds(5));
        }
    }

    @Test
    void httpHelloKeepsOneConnectionAliveForManyRequests() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("http-hello", "--workers", "2", "--handler", "http-hello", "--log-level", "DEBUG")) {
            int port = forkd.port();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 50; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/n/" + i)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("Hello from forkd\n", r.body());
            }
            forkd.awaitCount("connection \\d+ from 127\\.0\\.0\\.1:\\d+ -> worker", 1, Duration.ofSeconds(10));
            assertEquals(1, forkd.countLines("connection \\d+ from 127\\.0\\.0\\.1:\\d+ -> worker"), "keep-alive: one connection for all");
            HttpResponse<String> close = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, close.statusCode());
        }
    }

    /**
     * HTTP with Connection: close: the worker's end closes first, so each slot is freed only once
     * the worker answers a ping sent after the close. Many such closes at once share pings; every
     * slot must still come back, and no client may wait for one that never does.
     */
    @Test
    void slotsAWorkerClosedFirstAllComeBackUnderABurstOfShortConnections() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("http-close-burst", "--model", "threaded", "--workers", "2",
                "--connections-per-worker", "3", "--handler", "http-hello", "--admin", "127.0.0.1:0", "--queue-timeout", "60s")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            List<CompletableFuture<Integer>> clients = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                clients.add(CompletableFuture.supplyAsync(() -> {
                    int ok = 0;
                    for (int i = 0; i < 40; i++) {
                        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                            s.setSoTimeout(30_000);
                            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                            if (reply.startsWith("HTTP/1.1 200") && reply.endsWith("Hello from forkd\n")) {
                                ok++;
                            }
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                    return ok;
                }));
            }
            for (CompletableFuture<Integer> c : clients) {
                assertEquals(40, c.get(120, TimeUnit.SECONDS), "every request of every client is answered");
            }
            // all 320 slots came back: none is left waiting for a proof
            admin.awaitStatus(st -> st.path("connections").path("active").asInt(-1) == 0, Duration.ofSeconds(10));
            assertTrue(forkd.process.isAlive());
            assertEquals(0, forkd.countLines("WARN|ERROR"), forkd.output());
        }
    }

    @Test
    void userHandlerFromAJarBuiltHere(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.Shout",
                "package com.example;\n"
                        + "import dev.forkd.api.*; import java.nio.ByteBuffer;\n"
                        + "public class Shout implements Handler {\n"
                        + "  public void onMessage(Connection c, ByteBuffer m) throws Exception {\n"
                        + "    String s = java.nio.charset.StandardCharsets.UTF_8.decode(m).toString().trim();\n"
                        + "    c.reply(ByteBuffer.wrap((s.toUpperCase() + \"! from \" + c.clientAddress().getAddress().getHostAddress())\n"
                        + "        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));\n"
                        + "  }\n"
                        + "}\n");
        try (ForkdProcess forkd = ForkdProcess.serve("user-handler", "--workers", "1", "--framing", "line",
                "--handler", "com.example.Shout", "--worker-classpath", jar.toString());
                Client c = new Client(forkd.port())) {
            c.send("hey\n");
            assertEquals("HEY! from 127.0.0.1", readLine(c.input()));
        }
    }

    @Test
    void aClassThatIsNotAHandlerIsABootFailure(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.NotAHandler", "package com.example;\npublic class NotAHandler {}\n");
        try (ForkdProcess forkd = ForkdProcess.serve("not-a-handler", "--workers", "2",
                "--handler", "com.example.NotAHandler", "--worker-classpath", jar.toString())) {
            assertEquals(3, forkd.awaitExit(Duration.ofSeconds(60)));
            assertTrue(forkd.output().contains("does not implement dev.forkd.api.Handler"), forkd.output());
        }
    }

    private static byte[] lengthFrame(String s) {
        byte[] p = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + p.length).putInt(p.length).put(p).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static String readLengthFrame(DataInputStream in) throws IOException {
        int n = in.readInt();
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static long rssKiB(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D+", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    /** The same worker still runs, and its resident memory grew by less than 64 MiB (the limit is 1 MiB frames). */
    private static void assertBounded(long pid, long rssBeforeKiB) throws IOException {
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "worker " + pid + " survived");
        long grown = rssKiB(pid) - rssBeforeKiB;
        assertTrue(grown < 64 * 1024, "worker RSS grew by " + grown + " KiB");
    }

}
