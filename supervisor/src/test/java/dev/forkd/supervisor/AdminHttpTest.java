package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AdminHttpTest {
    private static AdminHttp.Parsed parse(String request) {
        ByteBuffer b = ByteBuffer.allocate(AdminHttp.MAX_REQUEST);
        b.put(request.getBytes(StandardCharsets.ISO_8859_1));
        return AdminHttp.parse(b);
    }

    @Test
    void aWholeRequest() {
        AdminHttp.Parsed p = parse("POST /workers/scale?delta=-1 HTTP/1.1\r\nHost: 127.0.0.1:9901\r\nAuthorization: bearer x\r\n\r\n");
        assertNull(p.error());
        assertEquals("POST", p.method());
        assertEquals("/workers/scale", p.path());
        assertEquals("delta=-1", p.rawQuery());
        assertEquals("127.0.0.1:9901", p.headers().get("host"));
        assertEquals("bearer x", p.headers().get("authorization"));
    }

    @Test
    void incompleteHeadsAndBodiesWait() {
        assertNull(parse("GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n"));
        assertNull(parse("POST /workers/reload HTTP/1.1\r\nContent-Length: 3\r\n\r\nab"));
        assertNull(parse("POST /workers/reload HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc").error());
    }

    @Test
    void badRequestsGetAnError() {
        assertEquals(400, parse("GET\r\n\r\n").error().code());
        assertEquals(400, parse("GET http://evil/ HTTP/1.1\r\n\r\n").error().code());
        assertEquals(400, parse("GET / HTTP/2.0\r\n\r\n").error().code());
        assertEquals(400, parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").error().code());
        assertEquals(400, parse("GET / HTTP/1.1\r\nnocolon\r\n\r\n").error().code());
        assertEquals(400, parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").error().code());
        assertEquals(400, parse("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").error().code());
        assertEquals(413, parse("POST / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n").error().code());
    }
}
