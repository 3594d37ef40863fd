package dev.forkd.tools.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forkd.shared.Durations;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;

/**
 * Prints a {@link BenchResult}: a small table for people, or one JSON object for scripts
 * ({@code --json}). The JSON field names are an interface: add fields, never rename them.
 * Latencies are in milliseconds with microsecond precision.
 */
final class BenchReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchReport() {
    }

    static String text(BenchResult r) {
        BenchPlan p = r.plan();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "forkd bench %s: %s framing, %d-byte messages, %s%n", p.target(),
                p.framing().name().toLowerCase(Locale.ROOT), p.size(),
                p.openLoop() ? "open loop at " + p.rate() + " msg/s" : "closed loop"));
        row(sb, "connections", String.format(Locale.ROOT, "%d (%d connected, %d answered)", p.connections(), r.connected(), r.answered()));
        row(sb, "duration", String.format(Locale.ROOT, "%.2f s", r.durationSeconds())
                + (p.warmup().isZero() ? "" : " after " + Durations.format(p.warmup()) + " warmup"));
        row(sb, "messages", Long.toString(r.messages()));
        row(sb, "throughput", String.format(Locale.ROOT, "%.1f msg/s", r.throughput()));
        StringBuilder kinds = new StringBuilder();
        for (Map.Entry<BenchError, Long> e : r.errors().entrySet()) {
            kinds.append(kinds.length() == 0 ? "" : ", ").append(e.getKey().label).append(' ').append(e.getValue());
        }
        row(sb, "errors", r.totalErrors() + " (" + kinds + ")");
        BenchResult.Latency l = r.latency();
        String unit = p.openLoop() ? "latency ms*" : "latency ms";
        if (l == null) {
            row(sb, unit, "none recorded");
        } else {
            row(sb, unit, "p50 " + ms(l.p50()) + "  p90 " + ms(l.p90()) + "  p99 " + ms(l.p99())
                    + "  p99.9 " + ms(l.p999()) + "  max " + ms(l.max()));
        }
        BenchCapacity c = r.capacity();
        row(sb, "first reply", c.measured() == 0 ? "none"
                : "p50 " + ms(c.firstReplyP50()) + "  max " + ms(c.firstReplyMax()) + " ms (" + c.measured() + (c.measured() == 1 ? " connection)" : " connections)"));
        if (p.openLoop()) {
            sb.append("* from each message's intended send time (corrected for coordinated omission)").append(System.lineSeparator());
        }
        capacity(sb, r);
        return sb.toString();
    }

    /** When connections waited for the server to take them, says so, and what to change: a queue is not a network error. */
    private static void capacity(StringBuilder sb, BenchResult r) {
        BenchCapacity c = r.capacity();
        if (!c.limited()) {
            return;
        }
        String n = System.lineSeparator();
        int all = r.plan().connections();
        if (c.unanswered() > 0) {
            sb.append(String.format(Locale.ROOT, "capacity: %d of %d connections got no first reply: each waited --timeout %s (%d times in all,"
                    + " made again each time) or until the run ended.%n", c.unanswered(), all, Durations.format(r.plan().timeout()),
                    c.firstReplyTimeouts()));
        }
        if (c.waited() > 0) {
            sb.append(String.format(Locale.ROOT, "capacity: %d of %d connections waited over %s ms for their first reply (up to %s ms)%s.%n",
                    c.waited(), all, ms(c.threshold()), ms(c.firstReplyMax()),
                    r.latency() == null ? "" : ", while a round trip took " + ms(r.latency().p50()) + " ms (p50)"));
        }
        sb.append("  The server serves fewer connections at once than --connections and keeps the rest waiting: its capacity,").append(n)
                .append("  not the network, limited this run, and the waits are not counted as errors. A prefork `forkd serve`").append(n)
                .append("  serves --workers connections at a time (default: 2 x its CPUs): lower --connections or raise --workers.").append(n);
    }

    private static void row(StringBuilder sb, String name, String value) {
        sb.append(String.format(Locale.ROOT, "  %-12s %s%n", name, value));
    }

    static String json(BenchResult r) {
        BenchPlan p = r.plan();
        ObjectNode o = JSON.createObjectNode();
        o.put("target", p.target().toString());
        o.put("framing", p.framing().name().toLowerCase(Locale.ROOT));
        o.put("size", p.size());
        o.put("loop", p.openLoop() ? "open" : "closed");
        if (p.openLoop()) {
            o.put("rate", p.rate());
        } else {
            o.putNull("rate");
        }
        o.put("connections", p.connections());
        o.put("connected", r.connected());
        o.put("answered", r.answered());
        o.put("warmupSeconds", seconds(p.warmup().toNanos()));
        o.put("durationSeconds", seconds(r.durationNanos()));
        o.put("messages", r.messages());
        o.put("throughput", round(r.throughput(), 1));
        o.put("errors", r.totalErrors());
        ObjectNode kinds = o.putObject("errorsByKind");
        r.errors().forEach((k, v) -> kinds.put(k.key, v));
        ObjectNode lat = o.putObject("latencyMs");
        BenchResult.Latency l = r.latency();
        // always the same keys, null when nothing was measured, so that scripts need no special case
        put(lat, "p50", l == null ? null : ms(l.p50()));
        put(lat, "p90", l == null ? null : ms(l.p90()));
        put(lat, "p99", l == null ? null : ms(l.p99()));
        put(lat, "p999", l == null ? null : ms(l.p999()));
        put(lat, "max", l == null ? null : ms(l.max()));
        put(lat, "mean", l == null ? null : round(l.mean() / 1e6, 3));
        BenchCapacity c = r.capacity();
        ObjectNode first = o.putObject("firstReplyMs");
        put(first, "p50", c.measured() == 0 ? null : ms(c.firstReplyP50()));
        put(first, "max", c.measured() == 0 ? null : ms(c.firstReplyMax()));
        o.put("firstReplyConnections", c.measured());
        o.put("waited", c.waited());
        o.put("unanswered", c.unanswered());
        o.put("firstReplyTimeouts", c.firstReplyTimeouts());
        o.put("capacityLimited", c.limited());
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            // a tree of numbers and strings always serialises
            throw new IllegalStateException(e);
        }
    }

    private static void put(ObjectNode o, String name, BigDecimal value) {
        if (value == null) {
            o.putNull(name);
        } else {
            o.put(name, value);
        }
    }

    /** Nanoseconds as milliseconds to the microsecond: BigDecimal, so that JSON shows 0.081 and not 0.08100000000000002. */
    static BigDecimal ms(long nanos) {
        return BigDecimal.valueOf(nanos).movePointLeft(6).setScale(3, RoundingMode.HALF_UP);
    }

    private static BigDecimal seconds(long nanos) {
        return BigDecimal.valueOf(nanos).movePointLeft(9).setScale(3, RoundingMode.HALF_UP);
    }

    private static BigDecimal round(double value, int places) {
        return BigDecimal.valueOf(value).setScale(places, RoundingMode.HALF_UP);
    }
}
