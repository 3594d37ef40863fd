package dev.forkd.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.tools.client.ServerAddress;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkd.shared.framing.Framing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class BenchReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static BenchPlan plan(long rate) {
        return new BenchPlan(ServerAddress.parse("127.0.0.1:8888"), 4, Duration.ofSeconds(2), Duration.ofMillis(500), 64,
                Framing.LENGTH, rate, Duration.ofSeconds(5), Expect.UPPER, 1);
    }

    private static Map<BenchError, Long> errors(long connect, long timeout) {
        Map<BenchError, Long> m = new EnumMap<>(BenchError.class);
        for (BenchError e : BenchError.values()) {
            m.put(e, 0L);
        }
        m.put(BenchError.CONNECT, connect);
        m.put(BenchError.TIMEOUT, timeout);
        return m;
    }

    private static BenchResult result(long rate) {
        BenchResult.Latency latency = new BenchResult.Latency(81_234, 120_000, 1_234_567, 4_500_000, 43_614_000, 95_500.4);
        return new BenchResult(plan(rate), 4, 2, 2_000_000_000L, 1001, errors(1, 2), latency, served(latency, 900_000, 1_204_000));
    }

    /** Every connection answered at once: its first reply in these times. */
    private static BenchCapacity served(BenchResult.Latency latency, long... firstReplies) {
        List<BenchCapacity.Waits> waits = new ArrayList<>();
        for (long f : firstReplies) {
            waits.add(new BenchCapacity.Waits(f, 0, -1));
        }
        return BenchCapacity.of(waits, latency);
    }

    private static final BenchResult.Latency FAST = new BenchResult.Latency(103_000, 167_000, 268_000, 2_406_000, 61_637_000, 110_000);

    /** 50 connections against 4 workers: 4 answered at once, 46 accepted and never answered (once past --timeout, once still waiting). */
    private static BenchResult queued() {
        List<BenchCapacity.Waits> waits = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waits.add(new BenchCapacity.Waits(1_000_000 + i * 1_000, 0, -1));
        }
        for (int i = 0; i < 46; i++) {
            waits.add(new BenchCapacity.Waits(-1, 1, 4_900_000_000L));
        }
        BenchPlan p = new BenchPlan(ServerAddress.parse("127.0.0.1:8888"), 50, Duration.ofSeconds(10), Duration.ZERO, 64,
                Framing.RAW, 0, Duration.ofSeconds(5), Expect.UPPER, 1);
        return new BenchResult(p, 50, 4, 10_000_000_000L, 343_708, errors(0, 0), FAST, BenchCapacity.of(waits, FAST));
    }

    @Test
    void jsonHasStableFieldsAndMillisecondLatencies() throws Exception {
        JsonNode j = JSON.readTree(BenchReport.json(result(0)));
        assertEquals("127.0.0.1:8888", j.get("target").asText());
        assertEquals("length", j.get("framing").asText());
        assertEquals(64, j.get("size").asInt());
        assertEquals("closed", j.get("loop").asText());
        assertTrue(j.get("rate").isNull());
        assertEquals(4, j.get("connections").asInt());
        assertEquals(4, j.get("connected").asInt());
        assertEquals(2, j.get("answered").asInt());
        assertEquals(0.5, j.get("warmupSeconds").asDouble());
        assertEquals(2.0, j.get("durationSeconds").asDouble());
        assertEquals(1001, j.get("messages").asLong());
        assertEquals(500.5, j.get("throughput").asDouble());
        assertEquals(3, j.get("errors").asLong());
        JsonNode kinds = j.get("errorsByKind");
        assertEquals(List.of("connect", "closed", "reset", "timeout", "wrongReply"), names(kinds));
        assertEquals(1, kinds.get("connect").asLong());
        assertEquals(2, kinds.get("timeout").asLong());
        JsonNode l = j.get("latencyMs");
        assertEquals(List.of("p50", "p90", "p99", "p999", "max", "mean"), names(l));
        assertEquals(0.081, l.get("p50").asDouble());
        assertEquals(0.120, l.get("p90").asDouble());
        assertEquals(1.235, l.get("p99").asDouble());
        assertEquals(4.500, l.get("p999").asDouble());
        assertEquals(43.614, l.get("max").asDouble());
        assertEquals(0.096, l.get("mean").asDouble());
        String text = BenchReport.json(result(0));
        assertTrue(text.contains("\"p90\":0.120,"), "to the microsecond, no binary noise: " + text);
        assertFalse(text.contains("\n"), "one line");
    }

    @Test
    void jsonOfAnOpenLoopNamesItsRate() throws Exception {
        JsonNode j = JSON.readTree(BenchReport.json(result(250)));
        assertEquals("open", j.get("loop").asText());
        assertEquals(250, j.get("rate").asLong());
    }

    @Test
    void withoutRepliesTheLatencyFieldsAreThereButNull() throws Exception {
        BenchResult r = new BenchResult(plan(0), 4, 0, 2_000_000_000L, 0, errors(0, 4), null, served(null));
        JsonNode j = JSON.readTree(BenchReport.json(r));
        assertEquals(0, j.get("messages").asLong());
        assertEquals(0.0, j.get("throughput").asDouble());
        for (String f : List.of("p50", "p90", "p99", "p999", "max", "mean")) {
            assertTrue(j.get("latencyMs").has(f) && j.get("latencyMs").get(f).isNull(), f);
        }
        assertTrue(BenchReport.text(r).contains("latency ms   none recorded"), BenchReport.text(r));
    }

    @Test
    void textIsATableForPeople() {
        String t = BenchReport.text(result(0));
        assertEquals(String.join(System.lineSeparator(),
                "forkd bench 127.0.0.1:8888: length framing, 64-byte messages, closed loop",
                "  connections  4 (4 connected, 2 answered)",
                "  duration     2.00 s after 500ms warmup",
                "  messages     1001",
                "  throughput   500.5 msg/s",
                "  errors       3 (connect 1, closed 0, reset 0, timeout 2, wrong reply 0)",
                "  latency ms   p50 0.081  p90 0.120  p99 1.235  p99.9 4.500  max 43.614",
                "  first reply  p50 0.900  max 1.204 ms (2 connections)",
                ""), t);
        assertFalse(t.contains("capacity"), "no connection waited: " + t);
    }

    @Test
    void connectionsTheServerDidNotTakeAreCapacityNotTimeouts() throws Exception {
        BenchResult r = queued();
        assertEquals(46, r.capacity().unanswered());
        assertEquals(46, r.capacity().firstReplyTimeouts());
        assertEquals(0, r.capacity().waited());
        String t = BenchReport.text(r);
        assertTrue(t.contains("  errors       0 (connect 0, closed 0, reset 0, timeout 0, wrong reply 0)"), t);
        assertTrue(t.contains("  first reply  p50 1.001  max 1.003 ms (4 connections)"), t);
        assertTrue(t.contains("capacity: 46 of 50 connections got no first reply: each waited --timeout 5s (46 times in all,"
                + " made again each time) or until the run ended."), t);
        assertTrue(t.contains("its capacity,") && t.contains("not the network, limited this run"), t);
        assertTrue(t.contains("lower --connections or raise --workers"), t);
        JsonNode j = JSON.readTree(BenchReport.json(r));
        assertEquals(0, j.get("errors").asLong());
        assertEquals(46, j.get("unanswered").asInt());
        assertEquals(46, j.get("firstReplyTimeouts").asLong());
        assertEquals(0, j.get("waited").asInt());
        assertEquals(4, j.get("firstReplyConnections").asInt());
        assertEquals(1.003, j.get("firstReplyMs").get("max").asDouble());
        assertTrue(j.get("capacityLimited").asBoolean());
    }

    @Test
    void connectionsThatWaitedForTheirFirstReplyAreNamed() {
        // 2 answered at once, 3 after waiting their turn in the server's queue
        BenchCapacity c = served(FAST, 900_000, 1_100_000, 1_200_000_000L, 2_400_000_000L, 3_600_000_000L);
        assertEquals(3, c.waited());
        assertEquals(0, c.unanswered());
        assertEquals(1_200_000_000L, c.firstReplyP50());
        BenchPlan p = new BenchPlan(ServerAddress.parse("127.0.0.1:8888"), 5, Duration.ofSeconds(10), Duration.ZERO, 64,
                Framing.RAW, 0, Duration.ofSeconds(5), Expect.UPPER, 1);
        String t = BenchReport.text(new BenchResult(p, 5, 5, 10_000_000_000L, 1000, errors(0, 0), FAST, c));
        assertTrue(t.contains("capacity: 3 of 5 connections waited over 250.000 ms for their first reply (up to 3600.000 ms),"
                + " while a round trip took 0.103 ms (p50)."), t);
        assertFalse(t.contains("got no first reply"), t);
    }

    @Test
    void aWaitIsJudgedAgainstTheRoundTripAndTheFastestFirstReply() {
        // round trips of 50 ms (a distant server): a first reply in 300 ms is no wait; 700 ms is
        BenchResult.Latency slow = new BenchResult.Latency(50_000_000, 60_000_000, 70_000_000, 80_000_000, 90_000_000, 55_000_000);
        BenchCapacity c = served(slow, 60_000_000, 300_000_000, 700_000_000);
        assertEquals(500_000_000, c.threshold());
        assertEquals(1, c.waited());
        // a loaded machine: every cold first reply takes 100 ms or more; 5 times the fastest is a wait
        BenchCapacity loaded = served(FAST, 100_000_000, 400_000_000, 600_000_000);
        assertEquals(500_000_000, loaded.threshold());
        assertEquals(1, loaded.waited());
        // fast round trips and first replies: the floor, so that a fresh worker's cold first message is no wait
        assertEquals(BenchCapacity.WAIT_FLOOR_NANOS, served(FAST, 10_000_000, 240_000_000).threshold());
        assertFalse(served(FAST, 10_000_000, 240_000_000).limited());
    }

    @Test
    void aConnectionStillWaitingAtTheEndIsUnansweredOnlyPastTheThreshold() {
        BenchCapacity c = BenchCapacity.of(List.of(
                new BenchCapacity.Waits(1_000_000, 0, -1),
                new BenchCapacity.Waits(-1, 0, 2_000_000_000L),         // queued since the start of a 2 s run
                new BenchCapacity.Waits(1_000_000, 0, 20_000_000)),     // made again 20 ms before the end
                FAST);
        assertEquals(1, c.unanswered());
        assertEquals(0, c.firstReplyTimeouts());
        assertEquals(2, c.measured());
        assertTrue(c.limited());
    }

    @Test
    void textOfAnOpenLoopSaysWhereLatencyIsMeasuredFrom() {
        String t = BenchReport.text(result(250));
        assertTrue(t.contains("open loop at 250 msg/s"), t);
        assertTrue(t.contains("latency ms*"), t);
        assertTrue(t.contains("intended send time"), t);
    }

    @Test
    void latencyComesFromTheHistogram() {
        Histogram h = new Histogram(3);
        for (long v = 1; v <= 1000; v++) {
            h.recordValue(v * 1_000);
        }
        BenchResult.Latency l = BenchResult.Latency.of(h);
        assertEquals(500_000, l.p50(), 500);
        assertEquals(990_000, l.p99(), 1_000);
        assertEquals(1_000_000, l.max(), 1_000);
        assertEquals(null, BenchResult.Latency.of(new Histogram(3)));
    }

    private static List<String> names(JsonNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
