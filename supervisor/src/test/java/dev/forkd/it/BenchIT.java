package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `forkd bench` as a user runs it: the real jar as a process, against a real `forkd serve --workers 2` (raw framing). */
class BenchIT {
    private static final Duration EXIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(CommandProcess bench) throws Exception {
        String out = bench.stdout();
        assertEquals(1, out.lines().count(), "one JSON object on one line:\n" + out);
        return JSON.readTree(out);
    }

    private static void assertLatencies(JsonNode j) {
        JsonNode l = j.get("latencyMs");
        for (String f : List.of("p50", "p90", "p99", "p999", "max")) {
            assertTrue(l.get(f).isNumber() && l.get(f).asDouble() > 0, f + " in " + j);
        }
        assertTrue(l.get("p50").asDouble() <= l.get("p99").asDouble() && l.get("p99").asDouble() <= l.get("max").asDouble(), j.toString());
    }

    @Test
    void closedLoopJson() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("bench-closed-serve", "--workers", "2");
                CommandProcess bench = CommandProcess.start("bench-closed", "bench", "127.0.0.1:" + forkd.port(),
                        "--connections", "4", "--duration", "2s", "--size", "64", "--framing", "raw", "--json")) {
            assertEquals(0, bench.awaitExit(EXIT), bench.stderr());
            JsonNode j = json(bench);
            assertTrue(j.get("messages").asLong() > 0, j.toString());
            assertEquals(0, j.get("errors").asLong(), j.toString());
            assertEquals(4, j.get("connections").asInt());
            assertEquals(4, j.get("connected").asInt());
            // prefork: two workers serve two connections; the other two wait in forkd's queue
            assertTrue(j.get("answered").asInt() >= 2, j.toString());
            assertEquals("closed", j.get("loop").asText());
            assertEquals(2.0, j.get("durationSeconds").asDouble(), 0.5);
            assertTrue(j.get("throughput").asDouble() > 0, j.toString());
            assertLatencies(j);
        }
    }

    @Test
    void openLoopJson() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("bench-open-serve", "--workers", "2");
                CommandProcess bench = CommandProcess.start("bench-open", "bench", "127.0.0.1:" + forkd.port(),
                        "--connections", "2", "--duration", "2s", "--size", "64", "--framing", "raw", "--rate", "200", "--json")) {
            assertEquals(0, bench.awaitExit(EXIT), bench.stderr());
            JsonNode j = json(bench);
            assertEquals("open", j.get("loop").asText());
            assertEquals(200, j.get("rate").asLong());
            long messages = j.get("messages").asLong();
            assertTrue(messages > 0 && messages <= 400, "at most 200/s for 2 s: " + j);
            assertEquals(0, j.get("errors").asLong(), j.toString());
            assertLatencies(j);
        }
    }

    @Test
    void textReport() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("bench-text-serve", "--workers", "2");
                CommandProcess bench = CommandProcess.start("bench-text", "bench", "127.0.0.1:" + forkd.port(),
                        "--connections", "2", "--duration", "1s", "--framing", "raw")) {
            assertEquals(0, bench.awaitExit(EXIT), bench.stderr());
            String out = bench.stdout();
            for (String row : List.of("closed loop", "connections  2 (2 connected, 2 answered)", "messages", "throughput",
                    "errors       0 (", "latency ms   p50 ")) {
                assertTrue(out.contains(row), row + " in\n" + out);
            }
        }
    }

    @Test
    void helpListsTheOptions() throws Exception {
        try (CommandProcess p = CommandProcess.start("bench-help", "--help")) {
            assertEquals(0, p.awaitExit(EXIT));
            // picocli pads the command column to the longest command name (experiment, for now)
            assertTrue(p.stdout().matches("(?s).*\\bbench +Measure the throughput and latency.*"), p.stdout());
        }
        try (CommandProcess p = CommandProcess.start("bench-help-bench", "bench", "--help")) {
            assertEquals(0, p.awaitExit(EXIT));
            for (String opt : List.of("HOST:PORT", "--connections", "--duration", "--size", "--framing", "--rate", "--warmup",
                    "--timeout", "--expect", "--json")) {
                assertTrue(p.stdout().contains(opt), opt + " in\n" + p.stdout());
            }
        }
    }

    @Test
    void noServerExits1WithOneClearLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (CommandProcess bench = CommandProcess.start("bench-refused", "bench", "127.0.0.1:" + port, "--duration", "1m")) {
            assertEquals(1, bench.awaitExit(EXIT));
            assertEquals("forkd bench: no connection could be made: connection to 127.0.0.1:" + port + " refused\n", bench.stderr());
            assertEquals("", bench.stdout());
        }
    }
}
