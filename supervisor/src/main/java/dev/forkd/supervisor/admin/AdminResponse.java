package dev.forkd.supervisor.admin;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** An admin answer; {@link AdminExchange} adds Content-Length and Connection: close. */
record AdminResponse(int code, String contentType, byte[] body, Map<String, String> headers) {
    static AdminResponse json(int code, String body) {
        return new AdminResponse(code, "application/json", body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** {"error":"why"}; {@code why} must need no JSON escaping (callers pass fixed text). */
    static AdminResponse error(int code, String why) {
        return json(code, "{\"error\":\"" + why + "\"}");
    }

    AdminResponse with(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new AdminResponse(code, contentType, body, h);
    }
}
