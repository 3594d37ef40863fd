package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    @Test
    void textLogsKeepTheWorkerTag() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("log-text", "--workers", "1", "--handler", "com.example.Missing")) {
            assertEquals(3, forkd.awaitExit(Duration.ofSeconds(60)));
            assertTrue(forkd.output().matches("(?s).*\\[worker 1 pid \\d+\\] cannot boot.*"), forkd.output());
        }
    }
}
