package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, Long> byReason(long crash) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("crash", crash);
        m.put("hang", 0L);
        return m;
    }

    private static StatusReport report(StatusReport.Self self) {
        return new StatusReport(42, 7, "prefork", "127.0.0.1:9000", "echo", 2,
                new StatusReport.Connections(1, 0, 10, 0, 0), 3, byReason(3), self,
                List.of(new StatusReport.Worker(1, 0, 4242, "ready", 1, List.of("127.0.0.1:5000"), 9, 3, byReason(3),
                        "2024-01-01T00:00:00Z", 5)));
    }

    @Test
    void theJsonHasTheFieldsOfTheContractInItsOrder() throws Exception {
        JsonNode n = JSON.readTree(JSON.writeValueAsString(report(new StatusReport.Self(1, 2, 3, 4L, 5L, 6L))));
        assertEquals(List.of("pid", "uptimeSeconds", "model", "listen", "handler", "targetWorkers", "connections", "restarts",
                "restartsByReason", "supervisor", "workers"), fields(n));
        assertEquals(List.of("active", "queued", "accepted", "rejected", "queueTimeouts"), fields(n.get("connections")));
        assertEquals(List.of("heapUsedBytes", "heapMaxBytes", "threads", "bufferBudgetBytes", "bufferBytesUsed", "bufferBudgetExhausted"),
                fields(n.get("supervisor")));
        assertEquals(List.of("id", "slot", "pid", "state", "activeConnections", "clients", "connectionsServed", "restarts",
                "restartsByReason", "startedAt", "uptimeSeconds"), fields(n.get("workers").get(0)));
        assertEquals(List.of("crash", "hang"), fields(n.get("restartsByReason")));
    }

    @Test
    void withoutABudgetItsFieldsAreAbsent() throws Exception {
        JsonNode n = JSON.readTree(JSON.writeValueAsString(report(new StatusReport.Self(1, 2, 3, null, null, null))));
        assertEquals(List.of("heapUsedBytes", "heapMaxBytes", "threads"), fields(n.get("supervisor")));
    }

    @Test
    void whatIsWrittenReadsBackAndUnknownFieldsAreIgnored() throws Exception {
        StatusReport r = report(new StatusReport.Self(1, 2, 3, 4L, 5L, 6L));
        JsonNode n = JSON.valueToTree(r);
        ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("addedLater", true);
        assertEquals(r, StatusReport.from(n));
        assertEquals(3, StatusReport.restartsOf(r.restartsByReason(), "crash"));
        assertEquals(0, StatusReport.restartsOf(r.restartsByReason(), "scale"));
    }

    @Test
    void theFieldsAddedForTheStatusPageComeAfterTheOldOnesAndReadBack() throws Exception {
        StatusReport r = new StatusReport(42, 7, "prefork", "127.0.0.1:9000", "echo", 2,
                new StatusReport.Connections(1, 0, 10, 0, 0, 256, 100L, 200L), 3, byReason(3),
                new StatusReport.RecentRestarts(60, List.of(0L, 2L), List.of(0L, 1L)),
                new StatusReport.Self(1, 2, 3, null, null, null, null, null, null, null, null, null, 4096L),
                List.of(new StatusReport.Worker(1, 0, 4242, "ready", 1, List.of(), 9, 3, byReason(3), "2024-01-01T00:00:00Z", 5, 8192L)));
        JsonNode n = JSON.readTree(JSON.writeValueAsString(r));
        assertEquals(List.of("pid", "uptimeSeconds", "model", "listen", "handler", "targetWorkers", "connections", "restarts",
                "restartsByReason", "recentRestarts", "supervisor", "workers"), fields(n));
        assertEquals(List.of("active", "queued", "accepted", "rejected", "queueTimeouts", "queueLimit", "bytesIn", "bytesOut"),
                fields(n.get("connections")));
        assertEquals(List.of("bucketSeconds", "restarts", "crashes"), fields(n.get("recentRestarts")));
        assertEquals(List.of("heapUsedBytes", "heapMaxBytes", "threads", "rssBytes"), fields(n.get("supervisor")));
        assertEquals("uptimeSeconds", fields(n.get("workers").get(0)).get(10));
        assertEquals(8192, n.get("workers").get(0).get("rssBytes").asLong());
        assertEquals(r, StatusReport.from(n));
    }

    @Test
    void withoutTheAddedFieldsTheyAreAbsentAndAnOlderAnswerReads() throws Exception {
        JsonNode n = JSON.readTree(JSON.writeValueAsString(report(new StatusReport.Self(1, 2, 3, null, null, null))));
        assertEquals(null, n.get("recentRestarts"));
        assertEquals(null, n.get("workers").get(0).get("rssBytes"));
        StatusReport old = StatusReport.from(n);
        assertEquals(null, old.recentRestarts());
        assertEquals(null, old.connections().queueLimit());
        assertEquals(null, old.workers().get(0).rssBytes());
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
