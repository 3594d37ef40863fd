package dev.forkd.shared;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forkd.shared.framing.Framing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The seed's application heartbeat: {@code {"type":"ping"}} answered by {@code {"type":"pong"}},
 * and the error message forkd sends before closing a connection for bad input. Parsed with
 * Jackson; only frames that look like JSON objects are parsed at all, so data frames cost one
 * byte comparison.
 */
public final class Heartbeat {
    /** Longer frames are data, never heartbeats: nobody pads a ping to a kilobyte. */
    public static final int MAX_HEARTBEAT_BYTES = 1024;

    public enum Kind {
        /** Not a heartbeat: the handler's business. */
        DATA,
        PING,
        PONG,
        /** Looks like a heartbeat (a JSON object naming ping or pong) but does not parse: a protocol error. */
        MALFORMED
    }

    private static final byte[] PING = "{\"type\":\"ping\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "{\"type\":\"pong\"}".getBytes(StandardCharsets.US_ASCII);

    private Heartbeat() {
    }

    /** Jackson is loaded only when the first JSON-looking frame arrives, to keep worker boot fast. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    public static ByteBuffer ping() {
        return ByteBuffer.wrap(PING.clone());
    }

    public static ByteBuffer pong() {
        return ByteBuffer.wrap(PONG.clone());
    }

    /** Classifies a frame without moving its position. Trailing spaces and NULs (fixed-size padding) are ignored. */
    public static Kind classify(ByteBuffer frame) {
        int start = frame.position();
        int end = frame.limit();
        while (start < end && isBlank(frame.get(start))) {
            start++;
        }
        while (end > start && (isBlank(frame.get(end - 1)) || frame.get(end - 1) == 0)) {
            end--;
        }
        if (start >= end || frame.get(start) != '{' || end - start > MAX_HEARTBEAT_BYTES) {
            return Kind.DATA;
        }
        Kind plain = plainHeartbeat(frame, start, end);
        if (plain != null) {
            return plain;
        }
        byte[] bytes = new byte[end - start];
        frame.get(start, bytes);
        String text = new String(bytes, StandardCharsets.UTF_8);
        boolean namesHeartbeat = text.contains("ping") || text.contains("pong");
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return namesHeartbeat ? Kind.MALFORMED : Kind.DATA;
        }
        if (node == null || !node.isObject()) {
            return Kind.DATA;
        }
        JsonNode type = node.get("type");
        if (type != null && type.isTextual()) {
            if ("ping".equals(type.asText())) {
                return Kind.PING;
            }
            if ("pong".equals(type.asText())) {
                return Kind.PONG;
            }
        }
        return Kind.DATA;
    }

    /**
     * As {@link #classify(ByteBuffer)}, or in JSON framing {@link #classifyValue}: how a framed
     * connection tells heartbeats from data.
     */
    public static Kind classify(Framing framing, ByteBuffer frame) {
        return framing == Framing.JSON ? classifyValue(frame) : classify(frame);
    }

    /**
     * One whole JSON value as the json framing delivers it (valid, no whitespace around it): a
     * heartbeat only as the one-member object {@code {"type":"ping"}} (or pong), with any
     * whitespace between its tokens. An object with more members is data: a JSON protocol's own
     * messages may well carry a type of ping with a payload, and those are the handler's. Never
     * MALFORMED, never Jackson: the decoder has already parsed it.
     */
    public static Kind classifyValue(ByteBuffer value) {
        int start = value.position();
        int end = value.limit();
        if (end - start > MAX_HEARTBEAT_BYTES || end - start < 2 || value.get(start) != '{') {
            return Kind.DATA;
        }
        Kind plain = plainHeartbeat(value, start, end);
        return plain == null ? Kind.DATA : plain;
    }

    /** {@code {"type":"error","message":"..."}}, properly escaped. */
    public static ByteBuffer error(String message) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("type", "error");
        n.put("message", message);
        try {
            return ByteBuffer.wrap(Json.MAPPER.writeValueAsBytes(n));
        } catch (JsonProcessingException e) {
            // an ObjectNode of two strings always serialises
            throw new IllegalStateException(e);
        }
    }

    /**
     * The heartbeat as clients send it, {@code {"type":"ping"}} give or take whitespace, recognised
     * without Jackson: Jackson is 440 classes, which every worker would load (and the workers'
     * class-data archive would carry, 5 MiB more of each worker's RSS) for the first ping. Anything
     * else that looks like JSON goes to Jackson. Null if not one of those two.
     */
    private static Kind plainHeartbeat(ByteBuffer f, int start, int end) {
        int i = expect(f, start, end, "{");
        i = expect(f, i, end, "\"type\"");
        i = expect(f, i, end, ":");
        int afterPing = expect(f, i, end, "\"ping\"");
        Kind kind = Kind.PING;
        if (afterPing < 0) {
            i = expect(f, i, end, "\"pong\"");
            kind = Kind.PONG;
        } else {
            i = afterPing;
        }
        i = expect(f, i, end, "}");
        return i == end ? kind : null;
    }

    /** Skips blanks, then the ASCII token; the index after it, or -1 if it is not there. */
    private static int expect(ByteBuffer f, int i, int end, String token) {
        if (i < 0) {
            return -1;
        }
        while (i < end && isBlank(f.get(i))) {
            i++;
        }
        if (end - i < token.length()) {
            return -1;
        }
        for (int k = 0; k < token.length(); k++) {
            if (f.get(i + k) != token.charAt(k)) {
                return -1;
            }
        }
        return i + token.length();
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }
}
