package dev.forkd.shared;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Reads the TLVs that follow a PROXY v2 header's address block (spec section 2.2). Strict, as
 * HAProxy's own receiver is: a TLV or sub-TLV that runs past its container, trailing bytes too
 * few for a TLV, a repeated TLV that forkd interprets, text that is not UTF-8 or a wrong CRC32C
 * make the whole header invalid. Unknown types are skipped. Allocates only the strings it returns,
 * each bounded by the header's own length.
 */
final class ProxyTlvReader {
    static final int PP2_TYPE_ALPN = 0x01;
    static final int PP2_TYPE_AUTHORITY = 0x02;
    static final int PP2_TYPE_CRC32C = 0x03;
    static final int PP2_TYPE_UNIQUE_ID = 0x05;
    static final int PP2_TYPE_SSL = 0x20;
    static final int PP2_SUBTYPE_SSL_VERSION = 0x21;
    static final int PP2_SUBTYPE_SSL_CN = 0x22;
    static final int PP2_SUBTYPE_SSL_CIPHER = 0x23;
    static final int PP2_SUBTYPE_SSL_SIG_ALG = 0x24;
    static final int PP2_SUBTYPE_SSL_KEY_ALG = 0x25;
    /** Type and 16-bit length. */
    static final int TLV_HEADER = 3;
    /** PP2_TYPE_SSL's value starts with the client bits (1 byte) and the verify field (4 bytes). */
    static final int SSL_FIXED = 5;
    /** Spec section 2.2.5. */
    static final int MAX_UNIQUE_ID = 128;
    /** A host name; HAProxy refuses a longer authority too. */
    static final int MAX_AUTHORITY = 255;

    private ProxyTlvReader() {
    }

    /**
     * The TLVs in {@code in[from, end)}, absolute indices; {@code headerStart} is where the
     * header's signature begins (a CRC32C covers the whole header).
     */
    static ProxyTlvs read(ByteBuffer in, int headerStart, int from, int end) throws ProxyProtocolException {
        if (from == end) {
            return ProxyTlvs.NONE;
        }
        String alpn = null;
        String authority = null;
        ProxySsl ssl = null;
        int crcAt = -1;
        int p = from;
        while (p < end) {
            int type = in.get(p) & 0xFF;
            int value = valueStart(in, p, end, "TLV");
            int length = u16(in, p + 1);
            switch (type) {
                case PP2_TYPE_ALPN:
                    alpn = once(alpn, type, text(in, value, length, type));
                    break;
                case PP2_TYPE_AUTHORITY:
                    if (length > MAX_AUTHORITY) {
                        throw new ProxyProtocolException("PROXY v2 authority TLV of " + length + " bytes, more than " + MAX_AUTHORITY);
                    }
                    authority = once(authority, type, text(in, value, length, type));
                    break;
                case PP2_TYPE_CRC32C:
                    if (crcAt >= 0 || length != 4) {
                        throw new ProxyProtocolException("PROXY v2 CRC32C TLV " + (crcAt >= 0 ? "repeated" : "of " + length + " bytes, not 4"));
                    }
                    crcAt = value;
                    break;
                case PP2_TYPE_UNIQUE_ID:
                    if (length > MAX_UNIQUE_ID) {
                        throw new ProxyProtocolException("PROXY v2 unique-id TLV of " + length + " bytes, more than " + MAX_UNIQUE_ID);
                    }
                    break;
                case PP2_TYPE_SSL:
                    if (ssl != null) {
                        throw repeated(type);
                    }
                    ssl = ssl(in, value, value + length);
                    break;
                default:
                    // NOOP, NETNS, the custom and experimental ranges and types yet to come: framing checked, value skipped
                    break;
            }
            p = value + length;
        }
        if (crcAt >= 0) {
            checkCrc(in, headerStart, end, crcAt);
        }
        return new ProxyTlvs(alpn, authority, ssl);
    }

    private static ProxySsl ssl(ByteBuffer in, int from, int end) throws ProxyProtocolException {
        if (end - from < SSL_FIXED) {
            throw new ProxyProtocolException("PROXY v2 SSL TLV of " + (end - from) + " bytes, shorter than its " + SSL_FIXED + "-byte fixed part");
        }
        int client = in.get(from) & 0xFF;
        int verify = (u16(in, from + 1) << 16) | u16(in, from + 3);
        String version = null;
        String cn = null;
        String cipher = null;
        String sigAlg = null;
        String keyAlg = null;
        int p = from + SSL_FIXED;
        while (p < end) {
            int type = in.get(p) & 0xFF;
            int value = valueStart(in, p, end, "SSL sub-TLV");
            int length = u16(in, p + 1);
            switch (type) {
                case PP2_SUBTYPE_SSL_VERSION:
                    version = once(version, type, text(in, value, length, type));
                    break;
                case PP2_SUBTYPE_SSL_CN:
                    cn = once(cn, type, text(in, value, length, type));
                    break;
                case PP2_SUBTYPE_SSL_CIPHER:
                    cipher = once(cipher, type, text(in, value, length, type));
                    break;
                case PP2_SUBTYPE_SSL_SIG_ALG:
                    sigAlg = once(sigAlg, type, text(in, value, length, type));
                    break;
                case PP2_SUBTYPE_SSL_KEY_ALG:
                    keyAlg = once(keyAlg, type, text(in, value, length, type));
                    break;
                default:
                    // a sub-type yet to come: skipped, as the spec lets a receiver do
                    break;
            }
            p = value + length;
        }
        return new ProxySsl(client, verify, version, cn, cipher, sigAlg, keyAlg);
    }

    /** Where the value of the (sub-)TLV at {@code p} starts, once its header and value are known to fit before {@code end}. */
    private static int valueStart(ByteBuffer in, int p, int end, String what) throws ProxyProtocolException {
        if (end - p < TLV_HEADER) {
            throw new ProxyProtocolException("PROXY v2 " + what + " cut short: " + (end - p) + " byte(s) left, fewer than a TLV header");
        }
        int length = u16(in, p + 1);
        if (length > end - p - TLV_HEADER) {
            throw new ProxyProtocolException("PROXY v2 " + what + " 0x" + Integer.toHexString(in.get(p) & 0xFF) + " declares "
                    + length + " bytes, only " + (end - p - TLV_HEADER) + " left in its container");
        }
        return p + TLV_HEADER;
    }

    private static String once(String seen, int type, String value) throws ProxyProtocolException {
        if (seen != null) {
            throw repeated(type);
        }
        return value;
    }

    private static ProxyProtocolException repeated(int type) {
        // two values for one fact (two CNs, two SNIs): which one a handler would see must not be a guess
        return new ProxyProtocolException("PROXY v2 TLV 0x" + Integer.toHexString(type) + " repeated");
    }

    private static String text(ByteBuffer in, int at, int length, int type) throws ProxyProtocolException {
        try {
            // newDecoder() reports malformed input rather than replacing it: no two byte strings decode alike
            return StandardCharsets.UTF_8.newDecoder().decode(in.slice(at, length)).toString();
        } catch (CharacterCodingException e) {
            throw new ProxyProtocolException("PROXY v2 TLV 0x" + Integer.toHexString(type) + " is not UTF-8 text");
        }
    }

    /** Spec section 2.2.3: CRC32c of the whole header with the checksum field as zeros. */
    private static void checkCrc(ByteBuffer in, int headerStart, int end, int crcAt) throws ProxyProtocolException {
        CRC32C crc = new CRC32C();
        crc.update(in.slice(headerStart, crcAt - headerStart));
        crc.update(new byte[4], 0, 4);
        crc.update(in.slice(crcAt + 4, end - crcAt - 4));
        int expected = (u16(in, crcAt) << 16) | u16(in, crcAt + 2);
        if ((int) crc.getValue() != expected) {
            throw new ProxyProtocolException("PROXY v2 header fails its CRC32C checksum");
        }
    }

    private static int u16(ByteBuffer in, int at) {
        return ((in.get(at) & 0xFF) << 8) | (in.get(at + 1) & 0xFF);
    }
}
