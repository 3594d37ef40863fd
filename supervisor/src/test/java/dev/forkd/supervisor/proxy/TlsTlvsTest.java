package dev.forkd.supervisor.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxyHeader;
import dev.forkd.shared.ProxySsl;
import dev.forkd.shared.ProxyV2;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/**
 * TLS facts through netty-codec-haproxy's encoder, as the supervisor will write them to a
 * worker, and back through the worker's own decoder (shared's ProxyV2): every fact must round-trip.
 */
class TlsTlvsTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);
    private static final InetSocketAddress LISTENER = new InetSocketAddress("198.51.100.1", 443);

    /** The bytes a worker would receive for a connection with these facts, then two bytes of client data. */
    private static ProxyHeader roundTrip(InetSocketAddress src, InetSocketAddress dst, HAProxyProxiedProtocol family, TlsFacts facts) throws Exception {
        HAProxyMessage m = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, family,
                src.getAddress().getHostAddress(), dst.getAddress().getHostAddress(), src.getPort(), dst.getPort(), TlsTlvs.of(facts));
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            assertTrue(ch.writeOutbound(m));
            ByteBuf out = ch.readOutbound();
            byte[] bytes = new byte[out.readableBytes() + 2];
            out.readBytes(bytes, 0, out.readableBytes());
            out.release();
            bytes[bytes.length - 2] = 'h';
            bytes[bytes.length - 1] = 'i';
            ByteBuffer b = ByteBuffer.wrap(bytes);
            ProxyHeader h = ProxyV2.decode(b);
            assertEquals(bytes.length - 2, b.position(), "the worker's decoder takes exactly the header");
            assertEquals(src, h.source());
            assertEquals(dst, h.destination());
            assertEquals(0, m.refCnt(), "the encoder released the message and its TLV buffers");
            return h;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void everyFactRoundTrips() throws Exception {
        TlsFacts facts = new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", true, true, "Ålice Example", "h2", "api.example.com");
        ProxyHeader h = roundTrip(CLIENT, LISTENER, HAProxyProxiedProtocol.TCP4, facts);
        assertEquals("h2", h.tlvs().alpn());
        assertEquals("api.example.com", h.tlvs().authority());
        assertEquals(new ProxySsl(0x03, 0, "TLSv1.3", "Ålice Example", "TLS_AES_128_GCM_SHA256", null, null), h.tlvs().ssl());
        assertTrue(h.tlvs().ssl().clientCertificateVerified());
    }

    @Test
    void overIpv6Too() throws Exception {
        TlsFacts facts = new TlsFacts("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, false, null, "http/1.1", null);
        ProxyHeader h = roundTrip(new InetSocketAddress("2001:db8::7", 50000), new InetSocketAddress("2001:db8::1", 8443), HAProxyProxiedProtocol.TCP6, facts);
        assertEquals("http/1.1", h.tlvs().alpn());
        assertNull(h.tlvs().authority());
        ProxySsl ssl = h.tlvs().ssl();
        assertEquals("TLSv1.2", ssl.version());
        assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", ssl.cipher());
        assertTrue(ssl.clientSsl());
        assertFalse(ssl.clientCertificate());
        assertNotEquals(0, ssl.verify(), "the spec: zero only for a presented, verified certificate");
        assertNull(ssl.commonName());
    }

    @Test
    void anUnverifiedCertificatesNameIsNotSent() throws Exception {
        TlsFacts facts = new TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384", true, false, "mallory", null, null);
        ProxySsl ssl = roundTrip(CLIENT, LISTENER, HAProxyProxiedProtocol.TCP4, facts).tlvs().ssl();
        assertTrue(ssl.clientCertificate());
        assertFalse(ssl.clientCertificateVerified());
        assertNull(ssl.commonName());
    }

    @Test
    void theFewestFacts() throws Exception {
        ProxyHeader h = roundTrip(CLIENT, LISTENER, HAProxyProxiedProtocol.TCP4, new TlsFacts(null, null, false, false, null, null, null));
        assertEquals(new ProxySsl(0x01, TlsTlvs.NOT_VERIFIED, null, null, null, null, null), h.tlvs().ssl());
        assertNull(h.tlvs().alpn());
    }

    @Test
    void anAuthorityNoReceiverWouldTakeIsLeftOut() throws Exception {
        String longName = "a".repeat(256);
        ProxyHeader h = roundTrip(CLIENT, LISTENER, HAProxyProxiedProtocol.TCP4, new TlsFacts("TLSv1.3", null, false, false, null, null, longName));
        assertNull(h.tlvs().authority(), "dropped, rather than the worker refusing the whole header");
        assertEquals(List.of(), TlsTlvs.of(new TlsFacts(null, null, false, false, null, null, longName)).stream()
                .filter(t -> t.typeByteValue() == 0x02).toList());
    }

    @Test
    void theCommonNameIsTheFirstInAsn1Order() {
        assertEquals("alice", TlsFacts.commonName(new X500Principal("CN=alice, OU=people, O=Example, C=DE")));
        // RFC 2253 writes the most specific RDN first; HAProxy takes the first CN of the ASN.1 sequence, the least specific
        assertEquals("outer", TlsFacts.commonName(new X500Principal("CN=inner, O=Example, CN=outer")));
        assertEquals("a, b+c", TlsFacts.commonName(new X500Principal("CN=a\\, b\\+c, O=Example")));
        assertNull(TlsFacts.commonName(new X500Principal("O=Example, C=DE")));
    }
}
