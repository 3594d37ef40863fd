package dev.forkd.shared;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * What the TLV area of a v2 header must decode to, worked out here independently of
 * ProxyTlvReader (spec section 2.2, plus forkd's strictness: no repeated interpreted type, UTF-8
 * text, UNIQUE_ID up to 128 bytes, AUTHORITY up to 255, a CRC32C that matches). For the fuzz and
 * property tests: null means "the header must be rejected".
 */
final class TlvOracle {
    private TlvOracle() {
    }

    /** The TLVs in {@code p[from, end)} of a header starting at 0, or null if they are invalid. */
    static ProxyTlvs expected(byte[] p, int from, int end) {
        Map<Integer, byte[]> top = split(p, from, end, true);
        if (top == null) {
            return null;
        }
        byte[] authority = top.get(0x02);
        if (authority != null && authority.length > 255) {
            return null;
        }
        byte[] crc = top.get(0x03);
        if (crc != null && (crc.length != 4 || !crcMatches(p, from, end, crc))) {
            return null;
        }
        ProxySsl ssl = null;
        byte[] sslValue = top.get(0x20);
        if (sslValue != null) {
            if (sslValue.length < 5) {
                return null;
            }
            Map<Integer, byte[]> sub = split(sslValue, 5, sslValue.length, false);
            if (sub == null) {
                return null;
            }
            String[] s = new String[5];
            for (int i = 0; i < 5; i++) {
                byte[] v = sub.get(0x21 + i);
                if (v != null && (s[i] = utf8(v)) == null) {
                    return null;
                }
            }
            int verify = ByteBuffer.wrap(sslValue, 1, 4).getInt();
            ssl = new ProxySsl(sslValue[0] & 0xFF, verify, s[0], s[1], s[2], s[3], s[4]);
        }
        String alpn = top.containsKey(0x01) ? utf8(top.get(0x01)) : null;
        String auth = authority != null ? utf8(authority) : null;
        if ((top.containsKey(0x01) && alpn == null) || (authority != null && auth == null)) {
            return null;
        }
        if (alpn == null && auth == null && ssl == null) {
            return ProxyTlvs.NONE;
        }
        return new ProxyTlvs(alpn, auth, ssl);
    }

    /**
     * The TLVs ({@code top}) or SSL sub-TLVs in {@code b[from, end)} by type; a type seen twice
     * among those forkd reads, an overlong UNIQUE_ID or bytes that do not frame as TLVs give null.
     * Types skipped unread may repeat.
     */
    private static Map<Integer, byte[]> split(byte[] b, int from, int end, boolean top) {
        Map<Integer, byte[]> out = new LinkedHashMap<>();
        int p = from;
        while (p != end) {
            if (p + 3 > end) {
                return null;
            }
            int type = b[p] & 0xFF;
            int len = (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF);
            if (p + 3 + len > end) {
                return null;
            }
            byte[] v = java.util.Arrays.copyOfRange(b, p + 3, p + 3 + len);
            boolean read = top ? (type >= 0x01 && type <= 0x03) || type == 0x20 : type >= 0x21 && type <= 0x25;
            if ((read && out.containsKey(type)) || (top && type == 0x05 && len > 128)) {
                return null;
            }
            out.putIfAbsent(type, v);
            p += 3 + len;
        }
        return out;
    }

    private static boolean crcMatches(byte[] p, int from, int end, byte[] stored) {
        // find where the checksum sits: the value of the one 0x03 TLV
        int at = -1;
        for (int q = from; q < end; q += 3 + ((p[q + 1] & 0xFF) << 8 | (p[q + 2] & 0xFF))) {
            if ((p[q] & 0xFF) == 0x03) {
                at = q + 3;
            }
        }
        byte[] copy = java.util.Arrays.copyOf(p, end);
        java.util.Arrays.fill(copy, at, at + 4, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(copy);
        return (int) crc.getValue() == ByteBuffer.wrap(stored).getInt();
    }

    private static String utf8(byte[] v) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
