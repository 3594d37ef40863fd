package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProxyV1Test {
    private static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void decodesTcp4AndLeavesTheDataAfterIt() throws Exception {
        ByteBuffer in = buf("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET /");
        ProxyHeader h = ProxyV1.decode(in);
        assertEquals(new InetSocketAddress("192.0.2.1", 56324), h.source());
        assertEquals(new InetSocketAddress("198.51.100.2", 443), h.destination());
        assertEquals("GET /", StandardCharsets.US_ASCII.decode(in).toString());
    }

    @Test
    void decodesTcp6AndUnknown() throws Exception {
        ProxyHeader h = ProxyV1.decode(buf("PROXY TCP6 2001:db8::1 ::1 1 65535\r\n"));
        assertEquals(1, h.source().getPort());
        assertEquals("0:0:0:0:0:0:0:1", h.destination().getAddress().getHostAddress());
        ProxyHeader u = ProxyV1.decode(buf("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"));
        assertNull(u.source());
    }

    @Test
    void needsMoreUntilTheCrlf() throws Exception {
        String full = "PROXY TCP4 10.0.0.1 10.0.0.2 1000 2000\r\n";
        for (int i = 0; i < full.length(); i++) {
            ByteBuffer part = buf(full.substring(0, i));
            assertNull(ProxyV1.decode(part), "prefix of " + i);
            assertEquals(0, part.position());
        }
        assertTrue(ProxyV1.couldStart(buf("PRO")));
    }

    @Test
    void rejectsWhatIsNotAV1Header() {
        for (String bad : new String[] {"GET / HTTP/1.1\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
            "PROXY TCP4 ::1 5.6.7.8 1 2\r\n", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 70000\r\n",
            "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "PROXY TCP4 localhost 5.6.7.8 1 2\r\n", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
            "PROXY TCP4 1.2.3.4 5.6.7.8 1 2" + " ".repeat(100)}) {
            assertThrows(ProxyProtocolException.class, () -> ProxyV1.decode(buf(bad)), bad);
        }
    }
}
