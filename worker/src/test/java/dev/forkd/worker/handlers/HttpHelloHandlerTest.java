package dev.forkd.worker.handlers;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.worker.handlers.HandlersTest.RecordingConnection;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HttpHelloHandler driven message by message, as raw framing drives it: a message is whatever one
 * read returned, so requests arrive pipelined, split, or both.
 */
class HttpHelloHandlerTest {
    private static final String BODY = new String(HttpHelloHandler.BODY, ISO_8859_1);
    private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private final HttpHelloHandler handler = new HttpHelloHandler();
    private final RecordingConnection c = new RecordingConnection();

    /** One message, as one read would deliver it; in a buffer at an offset, as a reused read buffer is. */
    private void send(String message) throws Exception {
        byte[] bytes = ("xx" + message).getBytes(ISO_8859_1);
        handler.onMessage(c, ByteBuffer.wrap(bytes, 2, bytes.length - 2));
    }

    private String replies() {
        return c.replies.toString(ISO_8859_1);
    }

    /** One parsed response; {@code body} is empty for a HEAD response. */
    private record Response(String statusLine, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }
    }

    /**
     * Splits the reply stream into responses, taking each body by its Content-Length (none for the
     * responses to HEAD requests, whose positions are given), and fails on any byte left over.
     */
    private List<Response> responses(int... headPositions) {
        String text = replies();
        List<Response> out = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf("\r\n\r\n", at);
            assertTrue(end >= 0, "response head ends with CRLFCRLF: " + text.substring(at));
            String[] lines = text.substring(at, end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                assertTrue(colon > 0, "header line: " + lines[i]);
                String name = lines[i].substring(0, colon).toLowerCase(Locale.ROOT);
                assertNull(headers.put(name, lines[i].substring(colon + 1).trim()), "duplicate header " + name);
            }
            at = end + 4;
            boolean head = false;
            for (int p : headPositions) {
                head |= p == out.size();
            }
            int length = Integer.parseInt(headers.get("content-length"));
            String body = head ? "" : text.substring(at, Math.min(text.length(), at + length));
            assertEquals(head ? 0 : length, body.length(), "the whole body arrived");
            at += body.length();
            out.add(new Response(lines[0], headers, body));
        }
        return out;
    }

    private Response onlyResponse() {
        List<Response> all = responses();
        assertEquals(1, all.size(), replies());
        return all.get(0);
    }

    private void assertHello(Response r) {
        assertEquals("HTTP/1.1 200 OK", r.statusLine());
        assertEquals(BODY, r.body());
        assertEquals(Integer.toString(HttpHelloHandler.BODY.length), r.header("Content-Length"));
    }

    /** An error response: the status, a body of its stated length, "Connection: close", and the connection closed. */
    private void assertFailedWith(int status) {
        Response r = onlyResponse();
        assertEquals(status, r.status(), r.statusLine());
        assertTrue(r.statusLine().startsWith("HTTP/1.1 "), r.statusLine());
        assertEquals("close", r.header("Connection"));
        assertFalse(r.body().isEmpty(), "an error says what it is");
        assertFalse(c.isOpen(), "an error closes the connection");
    }

    @Test
    void getIsAnsweredAndTheConnectionStaysOpen() throws Exception {
        send(GET);
        Response r = onlyResponse();
        assertHello(r);
        assertEquals("Hello from forkd\n", r.body());
        assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
        assertNull(r.header("Connection"), "HTTP/1.1 keeps the connection by default");
        assertTrue(c.isOpen());

        send(GET);
        assertEquals(2, responses().size(), "keep-alive: the same connection serves the next request");
        assertTrue(c.isOpen());
    }

    @Test
    void pipelinedRequestsInOneMessageAreAnsweredInOrder() throws Exception {
        send(GET + "HEAD /x HTTP/1.1\r\n\r\n" + GET + "GET /last HTTP/1.1\r\nConnection: close\r\n\r\n");
        List<Response> rs = responses(1);
        assertEquals(4, rs.size(), replies());
        assertHello(rs.get(0));
        assertEquals("", rs.get(1).body(), "the second answer is the HEAD's");
        assertHello(rs.get(2));
        assertNull(rs.get(2).header("Connection"));
        assertHello(rs.get(3));
        assertEquals("close", rs.get(3).header("Connection"), "the last answer is the one that asked to close");
        assertFalse(c.isOpen());
    }

    @Test
    void aRequestSplitIntoSingleBytesGetsOneResponse() throws Exception {
        String request = "GET /split HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n";
        for (int i = 0; i < request.length() - 1; i++) {
            send(request.substring(i, i + 1));
            assertEquals(0, c.replies.size(), "no answer before the head is complete (byte " + i + ")");
        }
        send(request.substring(request.length() - 1));
        assertHello(onlyResponse());
        assertTrue(c.isOpen());
    }

    @Test
    void connectionCloseIsAnsweredWithCloseAndCloses() throws Exception {
        send("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Response r = onlyResponse();
        assertHello(r);
        assertEquals("close", r.header("Connection"));
        assertFalse(c.isOpen());
    }

    @Test
    void headerNamesAndValuesAreCaseInsensitive() throws Exception {
        send("GET / HTTP/1.1\r\ncOnNeCtIoN:   CLOSE  \r\n\r\n");
        assertEquals("close", onlyResponse().header("Connection"));
        assertFalse(c.isOpen());
    }

    @Test
    void http10WithoutKeepAliveCloses() throws Exception {
        send("GET / HTTP/1.0\r\n\r\n");
        Response r = onlyResponse();
        assertHello(r);
        assertEquals("close", r.header("Connection"));
        assertFalse(c.isOpen());
    }

    @Test
    void http10WithKeepAliveStaysOpenAndSaysSo() throws Exception {
        // what `ab -k` sends; it keeps the connection only if the response says keep-alive, and
        // otherwise waits for the server to close it (RFC 9112, C.2.2: HTTP/1.0 persistence is explicit)
        send("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        Response r = onlyResponse();
        assertHello(r);
        assertEquals("keep-alive", r.header("Connection"));
        assertTrue(c.isOpen());

        send("HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assertEquals("keep-alive", responses(1).get(1).header("Connection"));
        assertTrue(c.isOpen());
    }

    @Test
    void headGetsTheHeadersOnly() throws Exception {
        send("HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        String text = replies();
        assertTrue(text.endsWith("\r\n\r\n"), "no body bytes after the head: " + text);
        Response r = responses(0).get(0);
        assertEquals("HTTP/1.1 200 OK", r.statusLine());
        assertEquals(Integer.toString(HttpHelloHandler.BODY.length), r.header("Content-Length"),
                "Content-Length is the length a GET's body would have");
        assertTrue(c.isOpen());
    }

    @Test
    void postIsNotAllowedAndCloses() throws Exception {
        send("POST /form HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" + GET);
        assertFailedWith(405);
        assertEquals("GET, HEAD", onlyResponse().header("Allow"));
    }

    @Test
    void aSmallBodyIsSkippedAndTheNextRequestAnswered() throws Exception {
        // the body looks like a request start: it must be skipped, not parsed
        send("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nGET /" + GET);
        List<Response> rs = responses();
        assertEquals(2, rs.size(), replies());
        assertHello(rs.get(0));
        assertHello(rs.get(1));
        assertTrue(c.isOpen());
    }

    @Test
    void aBodySplitAcrossMessagesIsSkipped() throws Exception {
        send("GET / HTTP/1.1\r\nContent-Length: 10\r\n\r\n01234");
        send("567");
        send("89" + GET);
        assertEquals(2, responses().size(), replies());
        assertTrue(c.isOpen());
    }

    @Test
    void aBodyOfExactlyTheLimitIsSkipped() throws Exception {
        send("GET / HTTP/1.1\r\nContent-Length: " + HttpHelloHandler.MAX_BODY + "\r\n\r\n");
        byte[] chunk = new byte[64 * 1024];
        for (long sent = 0; sent < HttpHelloHandler.MAX_BODY; sent += chunk.length) {
            handler.onMessage(c, ByteBuffer.wrap(chunk));
        }
        send(GET);
        assertEquals(2, responses().size());
        assertTrue(c.isOpen());
    }

    @Test
    void aHeadOverTheLimitWithoutItsEndIs431() throws Exception {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\n");
        while (head.length() <= HttpHelloHandler.MAX_HEAD) {
            head.append("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        send(head.toString());
        assertFailedWith(431);
    }

    @Test
    void aHeadOfExactlyTheLimitIsServed() throws Exception {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nX-Filler: ");
        while (head.length() < HttpHelloHandler.MAX_HEAD - 4) {
            head.append('a');
        }
        head.append("\r\n\r\n");
        assertEquals(HttpHelloHandler.MAX_HEAD, head.length());
        send(head.toString());
        assertHello(onlyResponse());
        assertTrue(c.isOpen());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "garbage\r\n\r\n",
        "GET /\r\n\r\n",
        "GET / SMTP/1.1\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        "GET / HTTP/1.1\r\n: no name\r\n\r\n",
    })
    void anUnparsableHeadIs400(String request) throws Exception {
        send(request + GET);
        assertFailedWith(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "abc", "5x", "", "99999999999999999999999"})
    void aBadContentLengthIs400(String value) throws Exception {
        send("GET / HTTP/1.1\r\nContent-Length: " + value + "\r\n\r\n");
        assertFailedWith(400);
    }

    @Test
    void aContentLengthOverTheLimitIs413() throws Exception {
        send("GET / HTTP/1.1\r\nContent-Length: " + (HttpHelloHandler.MAX_BODY + 1) + "\r\n\r\n");
        assertFailedWith(413);
    }

    @Test
    void chunkedTransferEncodingIs501() throws Exception {
        send("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertFailedWith(501);
    }

    @Test
    void strayCrlfBeforeARequestIsTolerated() throws Exception {
        send("\r\n" + GET + "\r\n");
        send("\r\n" + GET);
        List<Response> rs = responses();
        assertEquals(2, rs.size(), replies());
        assertHello(rs.get(0));
        assertHello(rs.get(1));
        assertTrue(c.isOpen());
    }

    @Test
    void nothingIsReadOrAnsweredAfterAnError() throws Exception {
        // the fake connection throws on a reply after close: the handler must stop at the error
        send("BREW / HTCPCP/1.0\r\n\r\n" + GET + GET);
        assertFailedWith(400);
        send(GET);
        assertEquals(1, responses().size());
    }
}
