package dev.forkd.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `forkd status`'s table from a /status answer: what a user reads. */
class StatusTableTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String status(String supervisorRss, String workerRss) {
        return "{\"pid\":42,\"uptimeSeconds\":300,\"model\":\"prefork\",\"listen\":\"127.0.0.1:8888\",\"handler\":\"upper\","
                + "\"targetWorkers\":2,\"connections\":{\"active\":1,\"queued\":0,\"accepted\":10,\"rejected\":0,\"queueTimeouts\":0},"
                + "\"restarts\":1,\"restartsByReason\":{\"crash\":1},"
                + "\"supervisor\":{\"heapUsedBytes\":1,\"heapMaxBytes\":2,\"threads\":3" + supervisorRss + "},"
                + "\"workers\":[{\"id\":3,\"slot\":0,\"pid\":4242,\"state\":\"ready\",\"activeConnections\":1,\"connectionsServed\":9,"
                + "\"restarts\":1,\"restartsByReason\":{\"crash\":1},\"startedAt\":\"2026-01-01T00:00:00Z\",\"uptimeSeconds\":65" + workerRss + "},"
                + "{\"id\":4,\"slot\":1,\"pid\":0,\"state\":\"starting\",\"activeConnections\":0,\"connectionsServed\":0,"
                + "\"restarts\":0,\"restartsByReason\":{},\"startedAt\":\"2026-01-01T00:00:00Z\",\"uptimeSeconds\":0}]}";
    }

    private static List<String> table(String json) throws Exception {
        JsonNode n = JSON.readTree(json);
        StringWriter s = new StringWriter();
        try (PrintWriter out = new PrintWriter(s)) {
            AdminCommands.Status.printTable(n, out);
        }
        return List.of(s.toString().split("\n"));
    }

    @Test
    void theSupervisorsAndEachWorkersResidentMemoryAreShown() throws Exception {
        List<String> t = table(status(",\"rssBytes\":125095936", ",\"rssBytes\":44040192"));
        assertTrue(t.get(0).endsWith(", up 5m0s, RSS 119.3 MiB"), t.get(0));
        assertEquals(List.of("ID", "SLOT", "PID", "STATE", "ACTIVE", "SERVED", "UPTIME", "RSS", "RESTARTS"), List.of(t.get(2).trim().split(" +")));
        assertTrue(t.get(3).contains(" 42.0 MiB  1 (crash 1)"), t.get(3));
        // a worker without a pid yet has no memory to show
        assertTrue(t.get(4).contains("  -  0"), t.get(4));
    }

    @Test
    void anOlderSupervisorWithoutRssStillGivesATable() throws Exception {
        List<String> t = table(status("", ""));
        assertTrue(t.get(0).endsWith(", up 5m0s"), t.get(0));
        assertTrue(t.get(3).contains("  -  1 (crash 1)"), t.get(3));
        assertEquals(5, t.size(), String.join("\n", t));
    }
}
