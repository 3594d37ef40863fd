package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code --framing json} end to end, with the seed's heartbeat client as it is written: it sends
 * {@code json.dumps({"type": "ping"})}, no delimiter, one send each, and must get a pong for each.
 */
class JsonFramingIT {
    /** Byte for byte what json.dumps({"type": "ping"}).encode() gives. */
    private static final String PING = "{\"type\": \"ping\"}";
    private static final String PONG = "{\"type\":\"pong\"}";

    @Test
    void theTutorialsPingsGetAPongEachAndOtherValuesReachTheHandler() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("json-prefork", "--workers", "1", "--framing", "json", "--handler", "echo");
                Client c = new Client(forkd.port())) {
            for (int i = 0; i < 3; i++) {
                c.send(PING); // one write each, as the tutorial's heartbeat_loop does
                assertEquals(PONG, readLine(c.input()));
            }
            c.send(PING + PING); // two in one segment
            assertEquals(PONG, readLine(c.input()));
            assertEquals(PONG, readLine(c.input()));
            c.send(PING.substring(0, 9)); // one split over two writes, with a gap
            assertTrue(c.silentFor(Duration.ofMillis(300)), "half a ping is not a ping yet");
            c.send(PING.substring(9));
            assertEquals(PONG, readLine(c.input()));

            c.send("{\"type\": \"chat\", \"text\": \"\u4f60\u597d\"}\n[1, 2.50]" + PING + "\"s\" 42 ");
            assertEquals("{\"type\": \"chat\", \"text\": \"\u4f60\u597d\"}", readLine(c.input()));
            assertEquals("[1, 2.50]", readLine(c.input()));
            assertEquals(PONG, readLine(c.input()));
            assertEquals("\"s\"", readLine(c.input()));
            assertEquals("42", readLine(c.input()));
        }
    }

    @Test
    void oversizeAndInvalidJsonGetAnErrorAndACloseAndTheWorkerCarriesOn() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("json-errors", "--workers", "1", "--framing", "json", "--handler", "echo",
                "--max-frame", "1KiB")) {
            int port = forkd.port();
            Map<Integer, Long> workers = forkd.readyWorkers();
            try (Client c = new Client(port)) {
                c.send("{\"ok\": true} [\"" + "x".repeat(1100) + "\"]");
                assertEquals("{\"ok\": true}", readLine(c.input()));
                assertEquals("{\"type\":\"error\",\"message\":\"JSON value longer than the limit of 1024 bytes\"}", readLine(c.input()));
                assertTrue(c.endsWithin(Duration.ofSeconds(10)), "closed after the error");
            }
            try (Client c = new Client(port)) {
                c.send(PING + "{\"type\" \"ping\"}");
                assertEquals(PONG, readLine(c.input()));
                String error = readLine(c.input());
                assertTrue(error.startsWith("{\"type\":\"error\",\"message\":\"invalid JSON at byte 24: Unexpected character ('\\\"'"), error);
                assertTrue(c.endsWithin(Duration.ofSeconds(10)), "closed after the error");
            }
            try (Client c = new Client(port)) {
                c.send("[".repeat(200));
                assertEquals("{\"type\":\"error\",\"message\":\"JSON nested deeper than 128 levels\"}", readLine(c.input()));
                assertTrue(c.endsWithin(Duration.ofSeconds(10)), "closed after the error");
            }
            try (Client c = new Client(port)) {
                c.send(PING);
                assertEquals(PONG, readLine(c.input()));
                c.send("{\"still\": \"serving\"}");
                assertEquals("{\"still\": \"serving\"}", readLine(c.input()));
            }
            assertEquals(workers, forkd.readyWorkers(), "the same worker, never restarted");
        }
    }

    @Test
    void threadedServesJsonConnectionsSideBySide() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("json-threaded", "--model", "threaded", "--workers", "1",
                "--framing", "json", "--handler", "echo");
                Client a = new Client(forkd.port());
                Client b = new Client(forkd.port())) {
            a.send(PING.substring(0, 5));
            b.send(PING + "{\"from\": \"b\"}");
            assertEquals(PONG, readLine(b.input()));
            assertEquals("{\"from\": \"b\"}", readLine(b.input()));
            a.send(PING.substring(5) + "[\"a\"]");
            assertEquals(PONG, readLine(a.input()));
            assertEquals("[\"a\"]", readLine(a.input()));
        }
    }

    @Test
    void forkPerConnectionWithTheDefaultUpperHandlerUpperCasesStringValues() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("json-fork-per-connection", "--model", "fork-per-connection", "--workers", "1",
                "--framing", "json")) {
            int port = forkd.port();
            for (int i = 0; i < 2; i++) {
                try (Client c = new Client(port)) {
                    c.send(PING + "{\"text\": \"hello\", \"n\": 1.50, \"ok\": true} 7");
                    assertEquals(PONG, readLine(c.input()));
                    assertEquals("{\"text\":\"HELLO\",\"n\":1.50,\"ok\":true}", readLine(c.input()));
                    c.shutdownOutput(); // the end of input ends the number
                    assertEquals("7", readLine(c.input()));
                    assertTrue(c.endsWithin(Duration.ofSeconds(10)));
                }
            }
        }
    }

    @Test
    void forkdClientIsAnInteractiveJsonClient() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("json-client-serve", "--workers", "1", "--framing", "json");
                CommandProcess client = CommandProcess.start("json-client", "client", "127.0.0.1:" + forkd.port(),
                        "--framing", "json", "--heartbeat", "100ms")) {
            client.write("{\"type\": \"say\", \"text\": \"hello\"}\n");
            client.awaitStdout(o -> o.equals("{\"type\":\"SAY\",\"text\":\"HELLO\"}\n"), "the reply", Duration.ofSeconds(20));
            client.write("{\"type\": \"say\" \"oops\"}\n" + PING + "\n\"bye\"\n");
            client.closeStdin();
            assertEquals(1, client.awaitExit(Duration.ofSeconds(30)), "a line was not sent: " + client.stderr());
            assertEquals("{\"type\":\"SAY\",\"text\":\"HELLO\"}\n" + PONG + "\n\"BYE\"\n", client.stdout(),
                    "the typed ping's pong is printed, the heartbeats' are not");
            assertTrue(client.stderr().startsWith("forkd client: line 2 not sent: invalid JSON at byte 15"), client.stderr());
        }
    }

    @Test
    void theTutorialsOwnHeartbeatCodeGetsItsPongs() throws Exception {
        assumeTrue(python3() != null, "python3 is not installed");
        Path script = Path.of(JsonFramingIT.class.getResource("tutorial_heartbeat_client.py").toURI());
        try (ForkdProcess forkd = ForkdProcess.serve("json-tutorial-client", "--workers", "1", "--framing", "json")) {
            // a short interval, so that pings often travel several to a segment, as over a slow link
            Process p = new ProcessBuilder(python3(), script.toString(), Integer.toString(forkd.port()), "20", "0.02")
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the tutorial's client did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertEquals("pongs 20", out.strip());
        }
    }

    private static String python3() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "python3");
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** A reply line (NDJSON), without its newline; fails on EOF before one. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed inside a reply line: " + line.toString(StandardCharsets.UTF_8));
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
