package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminHttpTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{\"a\":\"b\\nc\"}";

    /** Answers once the request's blank line arrives, then closes, as forkd does. */
    private static OneShotServer answering(String answer) throws IOException {
        return new OneShotServer(line -> line.isEmpty() ? answer + OneShotServer.CLOSE : null);
    }

    @Test
    void aGetNamesTheGivenHostAndCarriesNoToken() throws Exception {
        AdminToken token = AdminToken.generate();
        try (OneShotServer s = answering(OK)) {
            AdminHttp.Answer a = new AdminHttp("127.0.0.1", s.port(), "127.0.0.1:9901", token).get("/status");
            assertEquals(200, a.status());
            assertTrue(a.ok());
            assertEquals("{\"a\":\"b\\nc\"}", a.body());
            List<String> req = s.received();
            assertEquals("GET /status HTTP/1.1", req.get(0));
            assertTrue(req.contains("Host: 127.0.0.1:9901"), req.toString());
            assertFalse(String.join("\n", req).contains(token.value()), "a GET needs no token and gets none");
        }
    }

    @Test
    void aPostCarriesTheBearerToken() throws Exception {
        AdminToken token = AdminToken.generate();
        try (OneShotServer s = answering("HTTP/1.1 202 Accepted\r\nContent-Length: 24\r\n\r\n{\"status\":\"reloading\"}\n")) {
            AdminHttp.Answer a = new AdminHttp("127.0.0.1", s.port(), "127.0.0.1:" + s.port(), token).post("/workers/reload");
            assertEquals(202, a.status());
            List<String> req = s.received();
            assertEquals("POST /workers/reload HTTP/1.1", req.get(0));
            assertTrue(req.contains("Authorization: Bearer " + token.value()), req.toString());
            assertTrue(req.contains("Content-Length: 0"), req.toString());
        }
    }

    @Test
    void aRefusalIsAnAnswerNotAnError() throws Exception {
        try (OneShotServer s = answering("HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}")) {
            AdminHttp.Answer a = new AdminHttp("127.0.0.1", s.port(), "x", AdminToken.generate()).post("/workers/1/kill");
            assertEquals(401, a.status());
            assertFalse(a.ok());
        }
    }

    @Test
    void somethingOtherThanHttpOrNothingAtAllFailsNamingTheRequestButNotTheToken() throws Exception {
        AdminToken token = AdminToken.generate();
        try (OneShotServer s = answering("SSH-2.0-OpenSSH\r\n\r\n")) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> new AdminHttp("127.0.0.1", s.port(), "x", token).post("/workers/reload"));
            assertTrue(e.getMessage().contains("POST /workers/reload"), e.getMessage());
            assertTrue(e.getMessage().contains("not an HTTP answer"), e.getMessage());
            assertFalse(e.getMessage().contains(token.value()));
        }
        int closed;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = free.getLocalPort();
        }
        int port = closed;
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new AdminHttp("127.0.0.1", port, "x", token).get("/status"));
        assertTrue(e.getMessage().contains("GET /status failed"), e.getMessage());
    }

    @Test
    void aTruncatedAnswerIsAnError() {
        IOException e = assertThrows(IOException.class,
                () -> AdminHttp.parse("HTTP/1.1 200 OK\r\nContent-Le".getBytes(StandardCharsets.US_ASCII), "GET", "/status"));
        assertTrue(e.getMessage().contains("no complete HTTP answer"), e.getMessage());
        assertThrows(IOException.class, () -> AdminHttp.parse("HTTP/1.1 abc\r\n\r\n".getBytes(StandardCharsets.US_ASCII), "GET", "/"));
    }
}
