package dev.forkd.supervisor.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TlsFacts} as PROXY v2 TLVs for netty-codec-haproxy's encoder (spec section 2.2):
 * PP2_TYPE_ALPN, PP2_TYPE_AUTHORITY, and PP2_TYPE_SSL with the sub-TLVs VERSION, CN (only for a
 * verified client certificate) and CIPHER. The worker's {@code dev.forkd.shared.ProxyV2} reads
 * them back.
 */
public final class TlsTlvs {
    static final int PP2_CLIENT_SSL = 0x01;
    static final int PP2_CLIENT_CERT_CONN = 0x02;
    /** netty's TLV type enum has no name for it. */
    static final byte PP2_SUBTYPE_SSL_CIPHER = 0x23;
    /** A non-zero verify field: "not verified". X509_V_ERR_UNSPECIFIED, as OpenSSL would say. */
    static final int NOT_VERIFIED = 1;
    /** The longest authority receivers accept. */
    static final int MAX_AUTHORITY = 255;

    private TlsTlvs() {
    }

    /**
     * The TLVs for one connection. The buffers are unpooled heap buffers owned by the list: an
     * {@code HAProxyMessage} made with them releases them when it is released (the encoder does).
     */
    public static List<HAProxyTLV> of(TlsFacts facts) {
        List<HAProxyTLV> tlvs = new ArrayList<>(3);
        if (facts.applicationProtocol() != null) {
            tlvs.add(new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_ALPN, utf8(facts.applicationProtocol())));
        }
        if (facts.serverName() != null && facts.serverName().getBytes(StandardCharsets.UTF_8).length <= MAX_AUTHORITY) {
            // a longer name is no DNS host name, and receivers (HAProxy, forkd's worker) refuse the whole header for it
            tlvs.add(new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_AUTHORITY, utf8(facts.serverName())));
        }
        List<HAProxyTLV> sub = new ArrayList<>(3);
        if (facts.protocol() != null) {
            sub.add(new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_SSL_VERSION, utf8(facts.protocol())));
        }
        boolean verified = facts.clientCertificatePresented() && facts.clientCertificateVerified();
        if (verified && facts.clientCommonName() != null) {
            sub.add(new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_SSL_CN, utf8(facts.clientCommonName())));
        }
        if (facts.cipherSuite() != null) {
            sub.add(new HAProxyTLV(PP2_SUBTYPE_SSL_CIPHER, utf8(facts.cipherSuite())));
        }
        int client = PP2_CLIENT_SSL | (facts.clientCertificatePresented() ? PP2_CLIENT_CERT_CONN : 0);
        // the spec: verify is zero only if a certificate was presented and verified
        tlvs.add(new HAProxySSLTLV(verified ? 0 : NOT_VERIFIED, (byte) client, sub));
        return tlvs;
    }

    private static ByteBuf utf8(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }
}
