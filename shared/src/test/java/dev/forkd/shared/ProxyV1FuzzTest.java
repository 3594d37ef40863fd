package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the PROXY v1 decoder as the supervisor calls it: on the bytes received so far, again
 * after every read. Nothing but {@link ProxyProtocolException} may escape; every read pattern and
 * buffer layout must give what one plain buffer of all the bytes gives; a header is taken only
 * up to its CRLF, never past 107 bytes, and says what its text says.
 *
 * <p>Input format: {@link FuzzInput}. Seeds: {@code ProxyV1FuzzTestInputs/decode/}.
 */
class ProxyV1FuzzTest {

    private record Outcome(ProxyHeader header, int consumed, boolean error) {
        static final Outcome MORE = new Outcome(null, 0, false);
        static final Outcome ERROR = new Outcome(null, 0, true);
    }

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) {
        FuzzInput in = FuzzInput.parse(data);
        byte[] p = in.payload();

        Outcome whole = decodeOnce(ByteBuffer.wrap(p));
        checkAgainstBytes(p, whole);

        Outcome incremental = Outcome.MORE;
        for (int[] c : in.chunks()) {
            incremental = decodeOnce(in.buffer(0, c[1]));
            if (incremental.error()) {
                assertTrue(whole.error(), "error on " + c[1] + " bytes, but all " + p.length + " give " + whole);
                break;
            }
            if (incremental.header() != null) {
                break;
            }
            assertTrue(c[1] < ProxyV1.MAX_LENGTH, () -> "still asking for more after " + c[1] + " bytes");
        }
        assertEquals(whole, incremental, "reads cut differently, or laid out differently, changed the result");
    }

    private static Outcome decodeOnce(ByteBuffer view) {
        int position = view.position();
        int limit = view.limit();
        boolean couldStart = ProxyV1.couldStart(view);
        assertEquals(position, view.position(), "couldStart moved the position");
        ProxyHeader h;
        try {
            h = ProxyV1.decode(view);
        } catch (ProxyProtocolException e) {
            assertNotNull(e.getMessage());
            return Outcome.ERROR;
        }
        assertTrue(couldStart, "decoded what couldStart rejects");
        assertEquals(limit, view.limit(), "decode moved the limit");
        if (h == null) {
            assertEquals(position, view.position(), "decode moved the position but asks for more bytes");
            return Outcome.MORE;
        }
        return new Outcome(h, view.position() - position, false);
    }

    /** Checks a header against its own text, parsed here independently (spec section 2.1). */
    private static void checkAgainstBytes(byte[] p, Outcome o) {
        if (o.header() == null) {
            return;
        }
        int n = o.consumed();
        assertTrue(n <= ProxyV1.MAX_LENGTH, "header of " + n + " bytes");
        assertTrue(n >= 8);
        assertEquals('\n', p[n - 1]);
        assertEquals('\r', p[n - 2]);
        for (int i = 0; i < n - 1; i++) {
            assertTrue(p[i] != '\n', "took bytes past the first LF");
        }
        String line = new String(p, 0, n - 2, StandardCharsets.ISO_8859_1);
        assertTrue(line.startsWith("PROXY "));
        String[] f = line.split(" ", -1);
        ProxyHeader h = o.header();
        assertFalse(h.local(), "v1 has no LOCAL");
        if (f[1].equals("UNKNOWN")) {
            assertNull(h.source());
            assertNull(h.destination());
            return;
        }
        assertEquals(6, f.length, line);
        assertTrue(f[1].equals("TCP4") || f[1].equals("TCP6"), line);
        assertEquals(Integer.parseInt(f[4]), h.source().getPort());
        assertEquals(Integer.parseInt(f[5]), h.destination().getPort());
        assertTrue(f[4].equals(Integer.toString(h.source().getPort())), "a port must be plain decimal: " + f[4]);
        assertTrue(f[5].equals(Integer.toString(h.destination().getPort())), "a port must be plain decimal: " + f[5]);
        if (f[1].equals("TCP4")) {
            assertTrue(h.source().getAddress() instanceof Inet4Address);
            assertTrue(h.destination().getAddress() instanceof Inet4Address);
            assertArrayEquals(dottedQuad(f[2]), h.source().getAddress().getAddress(), f[2]);
            assertArrayEquals(dottedQuad(f[3]), h.destination().getAddress().getAddress(), f[3]);
        } else {
            assertFalse(h.source().isUnresolved());
            assertFalse(h.destination().isUnresolved());
        }
    }

    /** Four decimal octets, each 0..255: anything else must have been refused. */
    private static byte[] dottedQuad(String text) {
        String[] parts = text.split("\\.", -1);
        assertEquals(4, parts.length, text);
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            assertTrue(parts[i].matches("[0-9]{1,3}"), text);
            int v = Integer.parseInt(parts[i]);
            assertTrue(v <= 255, text);
            out[i] = (byte) v;
        }
        return out;
    }
}
