package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link Heartbeat#classify}, which sees every frame a worker receives: it must never
 * throw, never move the frame, answer the same whatever the buffer's layout, and call a frame a
 * heartbeat only if it is a small JSON object that names one.
 *
 * <p>Input format: {@link FuzzInput} (the payload is one frame; the read sizes are unused).
 * Seeds: {@code HeartbeatFuzzTestInputs/classify/}.
 */
class HeartbeatFuzzTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JACKSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @FuzzTest(maxDuration = "10s")
    void classify(byte[] data) {
        FuzzInput in = FuzzInput.parse(data);
        byte[] p = in.payload();

        Heartbeat.Kind plain = classifyOnce(ByteBuffer.wrap(p));
        assertEquals(plain, classifyOnce(in.buffer(0, p.length)), "the buffer's layout changed the answer");

        if (plain == Heartbeat.Kind.DATA) {
            return;
        }
        // anything else is a trimmed frame of at most MAX_HEARTBEAT_BYTES that starts with '{'
        int start = 0;
        int end = p.length;
        while (start < end && blank(p[start])) {
            start++;
        }
        while (end > start && (blank(p[end - 1]) || p[end - 1] == 0)) {
            end--;
        }
        assertTrue(end - start <= Heartbeat.MAX_HEARTBEAT_BYTES, "a heartbeat of " + (end - start) + " bytes");
        assertEquals('{', p[start]);
        String text = new String(p, start, end - start, StandardCharsets.UTF_8);
        if (plain == Heartbeat.Kind.PING || plain == Heartbeat.Kind.PONG) {
            // the plain fast path and Jackson must agree on what a heartbeat is
            try {
                com.fasterxml.jackson.databind.JsonNode n = JACKSON.readTree(text);
                assertEquals(plain == Heartbeat.Kind.PING ? "ping" : "pong", n.path("type").asText(), text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError("called a heartbeat, but not JSON: " + text, e);
            }
        }
        switch (plain) {
            case PING:
                assertTrue(text.contains("ping"), text);
                break;
            case PONG:
                assertTrue(text.contains("pong"), text);
                break;
            default:
                assertTrue(text.contains("ping") || text.contains("pong"), "MALFORMED must name a heartbeat: " + text);
        }
    }

    private static Heartbeat.Kind classifyOnce(ByteBuffer frame) {
        int position = frame.position();
        int limit = frame.limit();
        Heartbeat.Kind kind = Heartbeat.classify(frame);
        assertEquals(position, frame.position(), "classify moved the position");
        assertEquals(limit, frame.limit(), "classify moved the limit");
        return kind;
    }

    private static boolean blank(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }
}
