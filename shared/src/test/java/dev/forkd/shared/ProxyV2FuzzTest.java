package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.EOFException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Fuzzes the PROXY v2 decoder the way the supervisor and the workers call it (the bytes received
 * so far, again after every read) and {@link ProxyV2#read} over a stream that trickles. Nothing
 * but {@link ProxyProtocolException} (and {@link EOFException} from read) may escape, every read
 * pattern and buffer layout must give the answer one plain buffer of all the bytes gives, and a
 * decoded header must say what its bytes say, TLVs included ({@link TlvOracle}), and a header
 * whose bytes are valid must decode.
 *
 * <p>Input format: {@link FuzzInput}. Seeds: {@code ProxyV2FuzzTestInputs/decode/}. Without
 * JAZZER_FUZZ only the seeds run; with it, this fuzzes for {@code maxDuration}.
 */
class ProxyV2FuzzTest {

    /** What one decode said: a header and how many bytes it took, "need more" (null header, 0), or a protocol error. */
    private record Outcome(ProxyHeader header, int consumed, boolean error) {
        static final Outcome MORE = new Outcome(null, 0, false);
        static final Outcome ERROR = new Outcome(null, 0, true);
    }

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) throws Exception {
        FuzzInput in = FuzzInput.parse(data);
        byte[] p = in.payload();

        Outcome whole = decodeOnce(ByteBuffer.wrap(p));
        checkAgainstBytes(p, whole);
        checkErrorIsDeserved(p, whole);

        // as the callers do it: decode whatever has arrived, again after each read
        Outcome incremental = Outcome.MORE;
        for (int[] c : in.chunks()) {
            incremental = decodeOnce(in.buffer(0, c[1]));
            if (incremental.error()) {
                // an error on a prefix is an error for the whole: the bytes seen already could not start a header
                assertTrue(whole.error(), "error on " + c[1] + " bytes, but all " + p.length + " give " + whole);
                break;
            }
            if (incremental.header() != null) {
                break;
            }
            assertTrue(c[1] < ProxyV2.MAX_LENGTH, () -> "still asking for more after " + c[1] + " bytes");
        }
        assertEquals(whole, incremental, "reads cut differently, or laid out differently, changed the result");

        checkRead(in, p, whole);
    }

    /** One decode call; checks what it may and may not do to the buffer. */
    private static Outcome decodeOnce(ByteBuffer view) {
        int position = view.position();
        int limit = view.limit();
        ProxyHeader h;
        try {
            h = ProxyV2.decode(view);
        } catch (ProxyProtocolException e) {
            assertNotNull(e.getMessage());
            return Outcome.ERROR;
        }
        assertEquals(limit, view.limit(), "decode moved the limit");
        if (h == null) {
            assertEquals(position, view.position(), "decode moved the position but asks for more bytes");
            return Outcome.MORE;
        }
        return new Outcome(h, view.position() - position, false);
    }

    /** A decoded header must be what its bytes say, parsed here independently (spec section 2.2). */
    private static void checkAgainstBytes(byte[] p, Outcome o) throws Exception {
        if (o.header() == null) {
            return;
        }
        assertTrue(p.length >= ProxyV2.FIXED_LENGTH);
        assertArrayEquals(ProxyV2.SIGNATURE, Arrays.copyOf(p, 12));
        int verCmd = p[12] & 0xFF;
        int family = (p[13] & 0xFF) >> 4;
        int length = ((p[14] & 0xFF) << 8) | (p[15] & 0xFF);
        assertEquals(0x20, verCmd & 0xF0);
        assertEquals(ProxyV2.FIXED_LENGTH + length, o.consumed(), "must take exactly the header, nothing after it");
        ProxyHeader h = o.header();
        int command = verCmd & 0x0F;
        if (command == 0) {
            assertTrue(h.local());
            assertNull(h.source());
            assertNull(h.destination());
            return;
        }
        assertEquals(1, command);
        assertTrue(!h.local());
        if (family == 1 || family == 2) {
            int alen = family == 1 ? 4 : 16;
            assertTrue(length >= 2 * alen + 4, "address block longer than the header length");
            int at = ProxyV2.FIXED_LENGTH;
            InetAddress src = InetAddress.getByAddress(Arrays.copyOfRange(p, at, at + alen));
            InetAddress dst = InetAddress.getByAddress(Arrays.copyOfRange(p, at + alen, at + 2 * alen));
            int sport = ((p[at + 2 * alen] & 0xFF) << 8) | (p[at + 2 * alen + 1] & 0xFF);
            int dport = ((p[at + 2 * alen + 2] & 0xFF) << 8) | (p[at + 2 * alen + 3] & 0xFF);
            assertEquals(new InetSocketAddress(src, sport), h.source());
            assertEquals(new InetSocketAddress(dst, dport), h.destination());
            if (family == 1) {
                assertTrue(h.source().getAddress() instanceof Inet4Address);
            } else {
                // a v4-mapped v6 address comes back as Inet4Address: that is InetAddress's choice, and fine
                assertTrue(h.source().getAddress() instanceof Inet6Address || h.source().getAddress() instanceof Inet4Address);
            }
        } else {
            assertNull(h.source());
            assertNull(h.destination());
        }
        if (family == 0) {
            assertSame(ProxyTlvs.NONE, h.tlvs(), "no address block to find TLVs after");
        } else {
            int block = family == 1 ? 12 : family == 2 ? 36 : 216;
            ProxyTlvs expected = TlvOracle.expected(p, ProxyV2.FIXED_LENGTH + block, ProxyV2.FIXED_LENGTH + length);
            assertNotNull(expected, "decoded TLVs that the spec's framing (or forkd's strictness) rejects");
            assertEquals(expected, h.tlvs());
        }
    }

    /**
     * The converse: a header whose fixed part and address block are valid and all there, and
     * whose TLVs the oracle accepts, must decode. (An error for anything else is checked above: it
     * must hold for the whole input once it holds for a prefix.)
     */
    private static void checkErrorIsDeserved(byte[] p, Outcome whole) {
        if (!whole.error() || p.length < ProxyV2.FIXED_LENGTH || !Arrays.equals(ProxyV2.SIGNATURE, Arrays.copyOf(p, 12))) {
            return;
        }
        int verCmd = p[12] & 0xFF;
        int family = (p[13] & 0xFF) >> 4;
        int protocol = p[13] & 0x0F;
        int length = ((p[14] & 0xFF) << 8) | (p[15] & 0xFF);
        int command = verCmd & 0x0F;
        int block = family == 1 ? 12 : family == 2 ? 36 : family == 3 ? 216 : 0;
        if ((verCmd & 0xF0) != 0x20 || command > 1 || family > 3 || protocol > 2 || p.length < ProxyV2.FIXED_LENGTH + length
                || (command == 1 && length < block)) {
            return;
        }
        boolean tlvsRead = command == 1 && family != 0;
        assertTrue(tlvsRead && TlvOracle.expected(p, ProxyV2.FIXED_LENGTH + block, ProxyV2.FIXED_LENGTH + length) == null,
                "a valid header was rejected");
    }

    /** {@link ProxyV2#read} must agree with decode over all the bytes and consume exactly the header. */
    private static void checkRead(FuzzInput in, byte[] p, Outcome whole) throws Exception {
        Trickle stream = new Trickle(in, p);
        ProxyHeader h;
        try {
            h = ProxyV2.read(stream);
        } catch (EOFException e) {
            if (whole.header() != null || (whole.error() && p.length >= ProxyV2.FIXED_LENGTH)) {
                fail("read hit EOF where decode says " + whole, e);
            }
            return;
        } catch (ProxyProtocolException e) {
            assertTrue(whole.error(), "read failed where decode says " + whole);
            return;
        }
        assertEquals(whole.header(), h, "read and decode disagree");
        assertEquals(whole.consumed(), stream.consumed, "read must consume the header and nothing more");
    }

    /** A stream that hands out the payload in the input's read sizes, as a socket would. */
    private static final class Trickle extends InputStream {
        private final FuzzInput in;
        private final byte[] p;
        int consumed;
        private int reads;

        Trickle(FuzzInput in, byte[] p) {
            this.in = in;
            this.p = p;
        }

        @Override
        public int read() {
            return consumed < p.length ? p[consumed++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (consumed >= p.length) {
                return -1;
            }
            int n = Math.min(len, Math.min(p.length - consumed, in.streamRead(reads++)));
            System.arraycopy(p, consumed, b, off, n);
            consumed += n;
            return n;
        }
    }
}
