package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeartbeatTest {

    private static Heartbeat.Kind classify(String frame) {
        return Heartbeat.classify(ByteBuffer.wrap(frame.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void thePlainShapesWithAnyWhitespace() {
        assertEquals(Heartbeat.Kind.PING, classify("{\"type\":\"ping\"}"));
        assertEquals(Heartbeat.Kind.PONG, classify("  { \"type\" :\t\"pong\" }\r\n"));
    }

    @Test
    void otherJsonIsJacksonsToJudge() {
        assertEquals(Heartbeat.Kind.PING, classify("{\"type\":\"ping\",\"id\":1}"));
        assertEquals(Heartbeat.Kind.PONG, classify("{\"id\":1,\"type\":\"pong\"}"));
        assertEquals(Heartbeat.Kind.MALFORMED, classify("{\"type\":\"ping\""));
        assertEquals(Heartbeat.Kind.DATA, classify("{\"type\":\"pin\"}"));
        assertEquals(Heartbeat.Kind.DATA, classify("{\"type\":\"PING\"}"));
        assertEquals(Heartbeat.Kind.DATA, classify("{\"kind\":\"other\"}"));
        // Jackson reads the first value and stops, as it did before the plain path existed
        assertEquals(Heartbeat.Kind.PING, classify("{\"type\":\"ping\"}x"));
    }

    private static Heartbeat.Kind json(String value) {
        return Heartbeat.classify(dev.forkd.shared.framing.Framing.JSON, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void inJsonFramingOnlyTheOneMemberObjectIsAHeartbeat() {
        // json.dumps({"type": "ping"}), as the seed's heartbeat client sends it
        assertEquals(Heartbeat.Kind.PING, json("{\"type\": \"ping\"}"));
        assertEquals(Heartbeat.Kind.PING, json("{\n  \"type\" :\t\"ping\"\r\n}"));
        assertEquals(Heartbeat.Kind.PONG, json("{\"type\":\"pong\"}"));
        // more members: the handler's message (other framings answer these, having no handler protocol to defer to)
        assertEquals(Heartbeat.Kind.DATA, json("{\"type\":\"ping\",\"id\":1}"));
        assertEquals(Heartbeat.Kind.DATA, json("{\"id\":1,\"type\":\"ping\"}"));
        assertEquals(Heartbeat.Kind.DATA, json("[\"ping\"]"));
        assertEquals(Heartbeat.Kind.DATA, json("\"ping\""));
        assertEquals(Heartbeat.Kind.DATA, json("{}"));
        assertEquals(Heartbeat.Kind.PING, Heartbeat.classify(dev.forkd.shared.framing.Framing.LINE,
                ByteBuffer.wrap("{\"type\":\"ping\",\"id\":1}".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void dataIsData() {
        assertEquals(Heartbeat.Kind.DATA, classify("hello"));
        assertEquals(Heartbeat.Kind.DATA, classify(""));
        assertEquals(Heartbeat.Kind.DATA, classify("   "));
    }
}
