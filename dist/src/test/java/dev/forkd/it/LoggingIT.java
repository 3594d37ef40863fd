package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** --log-format json: one JSON object per line, worker lines with their worker id and pid. */
class LoggingIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonLogsAreOneObjectPerLine() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("log-json", "--workers", "1", "--log-format", "json", "--handler", "com.example.Missing")) {
            assertEquals(3, forkd.awaitExit(Duration.ofSeconds(60)));
            String out = forkd.output();
            assertFalse(out.contains("\u001b["), "no ANSI colours when not on a terminal");
            boolean sawWorkerLine = false;
            for (String line : out.split("\n")) {
                JsonNode n = JSON.readTree(line);
                assertTrue(n.has("@timestamp") && n.has("level") && n.has("message"), line);
                if (n.has("worker.id")) {
                    sawWorkerLine = true;
                    assertEquals("1", n.get("worker.id").asText());
                    assertTrue(n.get("worker.pid").asLong() > 0, line);
                }
            }
            assertTrue(sawWorkerLine, "the worker's own lines are there, with its id and pid: " + out);
        }
    }

    /** Issue 12: the supervisor's own lines about a worker (ready, crash) carry its worker.id and worker.pid too. */
    @Test
    void supervisorLinesAboutAWorkerCarryItsIdAndPid() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("log-json-crash", "--workers", "1", "--log-format", "json",
                "--handler", "chaos", "--enable-chaos", "--framing", "line");
                Client c = new Client(forkd.port())) {
            c.send("pid\n");
            long pid = Long.parseLong(new BufferedReader(new InputStreamReader(c.input(), StandardCharsets.US_ASCII)).readLine());
            c.send("crash\n");
            assertTrue(c.endsWithin(Duration.ofSeconds(20)));
            forkd.awaitLine("exited unexpectedly", Duration.ofSeconds(20));
            JsonNode ready = null;
            JsonNode crash = null;
            for (String line : forkd.linesSoFar()) {
                JsonNode n = JSON.readTree(line);
                String message = n.get("message").asText();
                if (message.startsWith("worker 1 (pid " + pid + ") ready in")) {
                    ready = n;
                } else if (message.startsWith("worker 1 (pid " + pid + ") exited unexpectedly")) {
                    crash = n;
                }
            }
            for (JsonNode n : new JsonNode[] {ready, crash}) {
                assertTrue(n != null, forkd.output());
                assertEquals("1", n.path("worker.id").asText(), n.toString());
                assertEquals(Long.toString(pid), n.path("worker.pid").asText(), n.toString());
            }
        }
    }

    @Test
    void textLogsKeepTheWorkerTag() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("log-text", "--workers", "1", "--handler", "com.example.Missing")) {
            assertEquals(3, forkd.awaitExit(Duration.ofSeconds(60)));
            assertTrue(forkd.output().matches("(?s).*\\[worker 1 pid \\d+\\] cannot boot.*"), forkd.output());
        }
    }
}
