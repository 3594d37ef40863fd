package dev.forkd.shared;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * PROXY v2 headers with TLVs written byte by byte after the spec (section 2.2), independently of
 * the decoder under test. Also used by the supervisor's tests (test-jar) to feed netty-codec-haproxy.
 */
public final class ProxyTlvBytes {
    public static final int ALPN = 0x01;
    public static final int AUTHORITY = 0x02;
    public static final int CRC32C = 0x03;
    public static final int NOOP = 0x04;
    public static final int UNIQUE_ID = 0x05;
    public static final int SSL = 0x20;
    public static final int SSL_VERSION = 0x21;
    public static final int SSL_CN = 0x22;
    public static final int SSL_CIPHER = 0x23;
    public static final int SSL_SIG_ALG = 0x24;
    public static final int SSL_KEY_ALG = 0x25;
    public static final int NETNS = 0x30;

    private ProxyTlvBytes() {
    }

    public static byte[] tlv(int type, byte[] value) {
        return tlv(type, value.length, value);
    }

    /** A TLV whose length field says {@code declared}, whatever the value's real size. */
    public static byte[] tlv(int type, int declared, byte[] value) {
        return cat(new byte[] {(byte) type, (byte) (declared >> 8), (byte) declared}, value);
    }

    public static byte[] tlv(int type, String text) {
        return tlv(type, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A PP2_TYPE_SSL TLV: client bits, the 32-bit verify field, then the sub-TLVs. */
    public static byte[] ssl(int client, int verify, byte[]... subTlvs) {
        byte[] fixed = {(byte) client, (byte) (verify >>> 24), (byte) (verify >>> 16), (byte) (verify >>> 8), (byte) verify};
        return tlv(SSL, cat(fixed, cat(subTlvs)));
    }

    /** A PROXY (command) header over TCP/IPv4 from 192.0.2.7:40000 to 198.51.100.1:443 with these TLVs. */
    public static byte[] tcp4(byte[]... tlvs) {
        byte[] addresses = {(byte) 192, 0, 2, 7, (byte) 198, 51, 100, 1, (byte) 0x9C, 0x40, 0x01, (byte) 0xBB};
        return v2(0x21, 0x11, cat(addresses, cat(tlvs)));
    }

    public static InetSocketAddress tcp4Source() {
        return new InetSocketAddress("192.0.2.7", 40000);
    }

    public static InetSocketAddress tcp4Destination() {
        return new InetSocketAddress("198.51.100.1", 443);
    }

    /** A v2 header: signature, version/command, family/protocol, the body's length, the body. */
    public static byte[] v2(int verCmd, int famProto, byte[] body) {
        byte[] fixed = cat(ProxyV2.SIGNATURE, new byte[] {(byte) verCmd, (byte) famProto, (byte) (body.length >> 8), (byte) body.length});
        return cat(fixed, body);
    }

    /**
     * {@code header} with a CRC32C TLV appended and filled in (section 2.2.3); {@code corrupt}
     * flips a bit of the checksum.
     */
    public static byte[] withCrc(byte[] header, boolean corrupt) {
        int length = ((header[14] & 0xFF) << 8 | (header[15] & 0xFF)) + 7;
        byte[] h = cat(header, tlv(CRC32C, new byte[4]));
        h[14] = (byte) (length >> 8);
        h[15] = (byte) length;
        CRC32C crc = new CRC32C();
        crc.update(h);
        int v = (int) crc.getValue() ^ (corrupt ? 1 : 0);
        ByteBuffer.wrap(h).putInt(h.length - 4, v);
        return h;
    }

    public static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
