package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random headers with random TLVs (ProxyHeaderGen), whole and cut into random reads: a valid
 * header decodes to what it was made from and takes exactly its own bytes; a damaged one gives
 * what {@link TlvOracle} says, and never anything but a ProxyProtocolException. Fixed seeds.
 */
class ProxyV2PropertyTest {
    private static final int CASES = 3000;

    @Test
    void validHeadersDecodeToWhatTheyWereMadeFrom() throws Exception {
        Random r = new Random(14);
        for (int i = 0; i < CASES; i++) {
            ProxyHeaderGen.Case c = ProxyHeaderGen.v2(r);
            byte[] stream = ProxyTlvBytes.cat(c.bytes(), new byte[] {'h', 'i'});
            // as the worker reads it: whatever has arrived, again after each read
            int at = 0;
            ProxyHeader h = null;
            while (h == null) {
                at = Math.min(stream.length, at + 1 + r.nextInt(c.bytes().length / 2 + 1));
                ByteBuffer b = ByteBuffer.wrap(stream, 0, at);
                h = ProxyV2.decode(b);
                if (h != null) {
                    assertEquals(c.bytes().length, b.position(), c.what());
                } else {
                    assertTrue(at < c.bytes().length, () -> "asks for more with the whole header there: " + c.what());
                }
            }
            assertEquals(c.expected(), h, c.what());
            ByteArrayInputStream in = new ByteArrayInputStream(stream);
            assertEquals(c.expected(), ProxyV2.read(in), c.what());
            assertEquals('h', in.read());
        }
    }

    @Test
    void damagedHeadersGiveWhatTheirBytesSay() throws Exception {
        Random r = new Random(15);
        int rejected = 0;
        for (int i = 0; i < CASES; i++) {
            ProxyHeaderGen.Case c = ProxyHeaderGen.damage(r, ProxyHeaderGen.v2(r));
            byte[] p = c.bytes();
            ProxyHeader h;
            try {
                h = ProxyV2.decode(ByteBuffer.wrap(p));
            } catch (ProxyProtocolException e) {
                assertNotNull(e.getMessage());
                rejected++;
                assertTrue(invalidOrOddFamily(p), () -> "rejected a header whose TLVs are fine: " + c.what() + ": " + e.getMessage());
                continue;
            }
            if (h == null) {
                assertTrue(p.length < ProxyV2.FIXED_LENGTH || p.length < ProxyV2.FIXED_LENGTH + declared(p), c.what());
                try {
                    ProxyV2.read(new ByteArrayInputStream(p));
                } catch (EOFException expected) {
                    continue; // the stream ends inside the header, as decode said
                }
                throw new AssertionError("read took an incomplete header: " + c.what());
            }
            int family = (p[13] & 0xFF) >> 4;
            if ((p[12] & 0x0F) == 1 && family >= 1 && family <= 3) {
                int block = family == 1 ? 12 : family == 2 ? 36 : 216;
                assertEquals(TlvOracle.expected(p, 16 + block, 16 + declared(p)), h.tlvs(), c.what());
            } else {
                assertEquals(ProxyTlvs.NONE, h.tlvs(), c.what());
            }
        }
        assertTrue(rejected > CASES / 10, "the damage should mostly break something: " + rejected + " rejected");
    }

    /** True unless the header's fixed part is valid and all there, with TLVs the oracle accepts. */
    private static boolean invalidOrOddFamily(byte[] p) {
        if (p.length < 16 || !java.util.Arrays.equals(ProxyV2.SIGNATURE, java.util.Arrays.copyOf(p, 12)) || (p[12] & 0xFF) >> 4 != 2 || (p[12] & 0x0F) > 1 || (p[13] & 0xFF) >> 4 > 3 || (p[13] & 0x0F) > 2) {
            return true;
        }
        int family = (p[13] & 0xFF) >> 4;
        int block = family == 1 ? 12 : family == 2 ? 36 : family == 3 ? 216 : 0;
        if ((p[12] & 0x0F) == 0 || family == 0) {
            return false;
        }
        if (declared(p) < block) {
            return true;
        }
        return TlvOracle.expected(p, 16 + block, 16 + declared(p)) == null;
    }

    private static int declared(byte[] p) {
        return ((p[14] & 0xFF) << 8) | (p[15] & 0xFF);
    }

    @Test
    void theGeneratorMakesEveryKindOfTlv() {
        Random r = new Random(16);
        int ssl = 0;
        int alpn = 0;
        int authority = 0;
        int none = 0;
        for (int i = 0; i < 500; i++) {
            ProxyTlvs t = ProxyHeaderGen.v2(r).expected().tlvs();
            ssl += t.ssl() != null ? 1 : 0;
            alpn += t.alpn() != null ? 1 : 0;
            authority += t.authority() != null ? 1 : 0;
            none += t == ProxyTlvs.NONE ? 1 : 0;
        }
        assertTrue(ssl > 100 && alpn > 100 && authority > 100 && none > 20, ssl + " " + alpn + " " + authority + " " + none);
        assertNull(ProxyHeaderGen.v1(new Random(1)).expected().tlvs().ssl());
    }
}
