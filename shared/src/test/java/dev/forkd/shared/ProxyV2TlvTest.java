package dev.forkd.shared;

import static dev.forkd.shared.ProxyTlvBytes.ALPN;
import static dev.forkd.shared.ProxyTlvBytes.AUTHORITY;
import static dev.forkd.shared.ProxyTlvBytes.CRC32C;
import static dev.forkd.shared.ProxyTlvBytes.NETNS;
import static dev.forkd.shared.ProxyTlvBytes.NOOP;
import static dev.forkd.shared.ProxyTlvBytes.SSL;
import static dev.forkd.shared.ProxyTlvBytes.SSL_CIPHER;
import static dev.forkd.shared.ProxyTlvBytes.SSL_CN;
import static dev.forkd.shared.ProxyTlvBytes.SSL_KEY_ALG;
import static dev.forkd.shared.ProxyTlvBytes.SSL_SIG_ALG;
import static dev.forkd.shared.ProxyTlvBytes.SSL_VERSION;
import static dev.forkd.shared.ProxyTlvBytes.UNIQUE_ID;
import static dev.forkd.shared.ProxyTlvBytes.cat;
import static dev.forkd.shared.ProxyTlvBytes.ssl;
import static dev.forkd.shared.ProxyTlvBytes.tcp4;
import static dev.forkd.shared.ProxyTlvBytes.tlv;
import static dev.forkd.shared.ProxyTlvBytes.v2;
import static dev.forkd.shared.ProxyTlvBytes.withCrc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The TLVs of a PROXY v2 header (spec section 2.2.1 to 2.2.7), as ProxyV2 reads them. */
class ProxyV2TlvTest {

    private static ProxyHeader decode(byte[] header) throws ProxyProtocolException {
        ByteBuffer b = ByteBuffer.wrap(cat(header, new byte[] {'G', 'E', 'T'}));
        ProxyHeader h = ProxyV2.decode(b);
        assertEquals(header.length, b.position(), "stops exactly after the header");
        return h;
    }

    private static String rejected(byte[] header) {
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header)));
        return e.getMessage();
    }

    @Test
    void everyTlsFactIsRead() throws Exception {
        byte[] h = tcp4(tlv(ALPN, "h2"), tlv(AUTHORITY, "api.example.com"),
                ssl(0x07, 0, tlv(SSL_VERSION, "TLSv1.3"), tlv(SSL_CN, "client-α"), tlv(SSL_CIPHER, "TLS_AES_128_GCM_SHA256"),
                        tlv(SSL_SIG_ALG, "SHA256withECDSA"), tlv(SSL_KEY_ALG, "EC256")));
        ProxyHeader header = decode(h);
        assertEquals(ProxyTlvBytes.tcp4Source(), header.source());
        assertEquals(ProxyTlvBytes.tcp4Destination(), header.destination());
        ProxyTlvs t = header.tlvs();
        assertEquals("h2", t.alpn());
        assertEquals("api.example.com", t.authority());
        assertEquals(new ProxySsl(0x07, 0, "TLSv1.3", "client-α", "TLS_AES_128_GCM_SHA256", "SHA256withECDSA", "EC256"), t.ssl());
        assertTrue(t.ssl().clientSsl());
        assertTrue(t.ssl().clientCertificate());
        assertTrue(t.ssl().clientCertificateVerified());
    }

    @Test
    void theVerifyFieldAndClientBitsSayWhetherACertificateWasVerified() throws Exception {
        ProxySsl noCert = decode(tcp4(ssl(0x01, 0, tlv(SSL_VERSION, "TLSv1.2")))).tlvs().ssl();
        assertTrue(noCert.clientSsl());
        assertFalse(noCert.clientCertificate());
        assertFalse(noCert.clientCertificateVerified(), "verify is 0, but no certificate was presented");
        ProxySsl failed = decode(tcp4(ssl(0x03, 0x8000_0001, tlv(SSL_CN, "mallory")))).tlvs().ssl();
        assertEquals(0x8000_0001, failed.verify(), "all 32 bits, big-endian");
        assertFalse(failed.clientCertificateVerified());
        assertEquals("mallory", failed.commonName());
        assertTrue(decode(tcp4(ssl(0x05, 0))).tlvs().ssl().clientCertificateVerified(), "a certificate presented earlier in the session");
    }

    @Test
    void noTlvsMeansNone() throws Exception {
        assertSame(ProxyTlvs.NONE, decode(tcp4()).tlvs());
        assertSame(ProxyTlvs.NONE, ProxyHeader.of(null, null).tlvs());
        assertSame(ProxyTlvs.NONE, new ProxyHeader(false, null, null, null).tlvs());
    }

    @Test
    void unknownAndUninterpretedTypesAreSkipped() throws Exception {
        byte[] h = tcp4(tlv(NOOP, new byte[0]), tlv(0xE3, new byte[] {1, 2, 3}), tlv(NETNS, "blue"), tlv(UNIQUE_ID, new byte[128]),
                tlv(0xF9, new byte[300]), ssl(0x01, 0, tlv(0x2A, "a sub-type yet to come"), tlv(SSL_VERSION, "TLSv1.3")),
                tlv(ALPN, "http/1.1"));
        ProxyTlvs t = decode(h).tlvs();
        assertEquals("http/1.1", t.alpn());
        assertEquals("TLSv1.3", t.ssl().version());
        assertNull(t.ssl().cipher());
        assertNull(t.authority());
    }

    @Test
    void emptyValuesAreEmptyStrings() throws Exception {
        ProxyTlvs t = decode(tcp4(tlv(ALPN, ""), ssl(0x01, 0, tlv(SSL_CN, "")))).tlvs();
        assertEquals("", t.alpn());
        assertEquals("", t.ssl().commonName());
    }

    @Test
    void ipv6AndUnixHeadersCarryTlvsToo() throws Exception {
        byte[] v6 = v2(0x21, 0x21, cat(new byte[36], tlv(AUTHORITY, "six.example")));
        assertEquals("six.example", decode(v6).tlvs().authority());
        byte[] unix = v2(0x21, 0x31, cat(new byte[216], tlv(ALPN, "h2")));
        ProxyHeader u = decode(unix);
        assertNull(u.source());
        assertEquals("h2", u.tlvs().alpn());
    }

    @Test
    void localAndUnspecifiedHeadersSkipTheirExtraBytesUnread() throws Exception {
        // LOCAL: the spec says to discard the whole block; UNSPEC: no address block to find TLVs after
        byte[] junk = {(byte) 0x20, (byte) 0xFF, (byte) 0xFF};
        assertEquals(ProxyHeader.ofLocal(), decode(v2(0x20, 0x11, cat(new byte[12], junk))));
        assertEquals(new ProxyHeader(false, null, null), decode(v2(0x21, 0x00, junk)));
    }

    @Test
    void aTlvRunningPastTheHeaderIsRejected() {
        String m = rejected(tcp4(tlv(ALPN, 10, new byte[] {'h', '2'})));
        assertTrue(m.contains("declares 10 bytes, only 2 left"), m);
        // the last TLV one byte too long, client data behind it: the decoder must not read into it
        byte[] h = tcp4(tlv(AUTHORITY, 5, "abcd".getBytes()));
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(cat(h, "e GET".getBytes()))));
    }

    @Test
    void trailingBytesTooFewForATlvAreRejected() {
        for (int n = 1; n <= 2; n++) {
            String m = rejected(tcp4(tlv(ALPN, "h2"), new byte[n]));
            assertTrue(m.contains("cut short: " + n + " byte(s) left"), m);
        }
    }

    @Test
    void aBadSslTlvIsRejected() {
        String m = rejected(tcp4(tlv(SSL, new byte[] {1, 0, 0, 0})));
        assertTrue(m.contains("shorter than its 5-byte fixed part"), m);
        // a sub-TLV that runs past the SSL TLV, even though the header has room after it
        byte[] sub = tlv(SSL_CN, 50, "cn".getBytes());
        byte[] sslTlv = tlv(SSL, cat(new byte[] {1, 0, 0, 0, 0}, sub));
        m = rejected(tcp4(sslTlv, tlv(NOOP, new byte[60])));
        assertTrue(m.contains("SSL sub-TLV 0x22 declares 50 bytes, only 2 left"), m);
        m = rejected(tcp4(ssl(1, 0, tlv(SSL_VERSION, "TLSv1.3"), new byte[] {0x21})));
        assertTrue(m.contains("SSL sub-TLV cut short"), m);
    }

    @Test
    void aRepeatedFactIsRejected() {
        assertTrue(rejected(tcp4(tlv(ALPN, "h2"), tlv(ALPN, "http/1.1"))).contains("0x1 repeated"));
        assertTrue(rejected(tcp4(tlv(AUTHORITY, "a"), tlv(AUTHORITY, "b"))).contains("0x2 repeated"));
        assertTrue(rejected(tcp4(ssl(1, 0), ssl(1, 0))).contains("0x20 repeated"));
        assertTrue(rejected(tcp4(ssl(3, 0, tlv(SSL_CN, "alice"), tlv(SSL_CN, "admin")))).contains("0x22 repeated"));
        for (int sub : new int[] {SSL_VERSION, SSL_CIPHER, SSL_SIG_ALG, SSL_KEY_ALG}) {
            assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(tcp4(ssl(1, 0, tlv(sub, "x"), tlv(sub, "x"))))));
        }
    }

    @Test
    void textThatIsNotUtf8IsRejected() {
        byte[] bad = {'a', (byte) 0xC3}; // a two-byte sequence cut short
        assertTrue(rejected(tcp4(tlv(AUTHORITY, bad))).contains("0x2 is not UTF-8"));
        assertTrue(rejected(tcp4(ssl(3, 0, tlv(SSL_CN, new byte[] {(byte) 0xFF})))).contains("0x22 is not UTF-8"));
    }

    @Test
    void overlongUniqueIdAndAuthorityAreRejected() {
        assertTrue(rejected(tcp4(tlv(UNIQUE_ID, new byte[129]))).contains("more than 128"));
        byte[] name = new byte[256];
        Arrays.fill(name, (byte) 'a');
        assertTrue(rejected(tcp4(tlv(AUTHORITY, name))).contains("more than 255"));
    }

    @Test
    void aCrc32cIsChecked() throws Exception {
        byte[] good = withCrc(tcp4(tlv(ALPN, "h2")), false);
        assertEquals("h2", decode(good).tlvs().alpn());
        assertTrue(rejected(withCrc(tcp4(tlv(ALPN, "h2")), true)).contains("CRC32C"));
        // any other byte changed after the checksum was made
        byte[] tampered = good.clone();
        tampered[16] ^= 1;
        assertTrue(rejected(tampered).contains("CRC32C"));
        assertTrue(rejected(tcp4(tlv(CRC32C, new byte[3]))).contains("not 4"));
        assertTrue(rejected(withCrc(withCrc(tcp4(), false), false)).contains("repeated"));
    }

    @Test
    void aCrcIsCheckedInAPaddedLittleEndianBufferToo() throws Exception {
        byte[] good = withCrc(tcp4(ssl(1, 0, tlv(SSL_VERSION, "TLSv1.3"))), false);
        ByteBuffer b = ByteBuffer.allocateDirect(good.length + 10).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.position(5);
        b.put(good);
        b.flip().position(5);
        ProxyHeader h = ProxyV2.decode(b.asReadOnlyBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).position(5));
        assertEquals("TLSv1.3", h.tlvs().ssl().version());
    }

    @Test
    void readFromAStreamCarriesTheTlvs() throws Exception {
        byte[] h = tcp4(tlv(ALPN, "h2"), ssl(1, 0, tlv(SSL_CIPHER, "TLS_CHACHA20_POLY1305_SHA256")));
        ByteArrayInputStream in = new ByteArrayInputStream(cat(h, new byte[] {'x'}));
        ProxyHeader header = ProxyV2.read(in);
        assertEquals("TLS_CHACHA20_POLY1305_SHA256", header.tlvs().ssl().cipher());
        assertEquals('x', in.read());
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.read(new ByteArrayInputStream(tcp4(tlv(ALPN, 9, new byte[2])))));
    }

    @Test
    void aPartialHeaderWithTlvsWaits() throws Exception {
        byte[] h = tcp4(tlv(ALPN, 10, new byte[2])); // would be refused, but only once it is all there
        byte[] more = cat(h, new byte[8]);
        more[15] += 8; // now the TLV fits: the header declares 8 more bytes
        for (int end = 0; end < more.length; end++) {
            assertNull(ProxyV2.decode(ByteBuffer.wrap(more, 0, end)), "incomplete at " + end);
        }
        assertEquals("", decode(Arrays.copyOf(more, more.length)).tlvs().alpn().replace("\0", ""));
    }
}
