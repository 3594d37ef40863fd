package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
            // prefork: two workers serve two connections; the other two wait in forkd's queue, and are reported so
            assertEquals(2, j.get("answered").asInt(), j.toString());
            assertEquals(2, j.get("unanswered").asInt(), j.toString());
            assertTrue(j.get("capacityLimited").asBoolean(), j.toString());
            assertEquals("closed", j.get("loop").asText());
            assertEquals(2.0, j.get("durationSeconds").asDouble(), 0.5);
            assertTrue(j.get("throughput").asDouble() > 0, j.toString());
            assertLatencies(j);
        }
    }

    @Test
    void defaultsAgainstTheDefaultServerReportNoErrors() throws Exception {
        // a fresh user: `forkd serve`, then `forkd bench HOST:PORT`; only the duration is shortened
        int cpus = Runtime.getRuntime().availableProcessors();
        try (ForkdProcess forkd = ForkdProcess.serve("bench-defaults-serve");
                CommandProcess bench = CommandProcess.start("bench-defaults", "bench", "127.0.0.1:" + forkd.port(), "--duration", "2s")) {
            assertEquals(0, bench.awaitExit(EXIT), bench.stderr());
            String out = bench.stdout();
            int n = 2 * cpus;
            for (String row : List.of("raw framing", "connections  " + n + " (" + n + " connected, " + n + " answered)",
                    "errors       0 (connect 0, closed 0, reset 0, timeout 0, wrong reply 0)", "latency ms   p50 ",
                    "first reply  p50 ")) {
                assertTrue(out.contains(row), row + " in\n" + out);
            }
            assertFalse(out.contains("capacity:"), "the default server serves every default connection at once:\n" + out);
        }
    }

    @Test
    void moreConnectionsThanWorkersIsTheServersCapacityNotTheNetwork() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("bench-capacity-serve", "--workers", "1");
                CommandProcess bench = CommandProcess.start("bench-capacity", "bench", "127.0.0.1:" + forkd.port(),
                        "--connections", "3", "--duration", "2s", "--timeout", "500ms")) {
            assertEquals(0, bench.awaitExit(EXIT), bench.stderr());
            String out = bench.stdout();
            for (String row : List.of("connections  3 (3 connected, 1 answered)",
                    "errors       0 (connect 0, closed 0, reset 0, timeout 0, wrong reply 0)",
                    "capacity: 2 of 3 connections got no first reply: each waited --timeout 500ms",
                    "not the network, limited this run", "lower --connections or raise --workers")) {
                assertTrue(out.contains(row), row + " in\n" + out);
            }
            assertTrue(bench.stderr().contains("no first reply within 500 ms: the server has not taken this connection"), bench.stderr());
            assertFalse(bench.stderr().contains("(timeout;"), "no timeout blamed: " + bench.stderr());
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
