package dev.forkd.supervisor.tls;

import java.io.ByteArrayOutputStream;

/**
 * The little DER that turns a traditional key into PKCS#8 (RFC 5208): PrivateKeyInfo ::=
 * SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING key }, and, for SEC1 EC keys (RFC 5915),
 * the curve's OID out of the key's [0] parameters.
 */
final class Der {
    /** ASN.1 NULL: rsaEncryption's parameters. */
    static final byte[] NULL = {0x05, 0x00};
    private static final int SEQUENCE = 0x30;
    private static final int INTEGER = 0x02;
    private static final int OCTET_STRING = 0x04;
    private static final int OID = 0x06;
    private static final int CONTEXT_0 = 0xA0;

    private Der() {
    }

    /** PrivateKeyInfo with algorithm {@code oid}, its DER-encoded {@code parameters}, and the traditional key. */
    static byte[] pkcs8(String oid, byte[] parameters, byte[] traditionalKey) {
        byte[] algorithm = tlv(SEQUENCE, concat(tlv(OID, oid(oid)), parameters));
        return tlv(SEQUENCE, concat(tlv(INTEGER, new byte[] {0}), algorithm, tlv(OCTET_STRING, traditionalKey)));
    }

    /**
     * The curve OID's whole TLV from a SEC1 ECPrivateKey ::= SEQUENCE { version, OCTET STRING,
     * [0] ECParameters OPTIONAL, [1] publicKey OPTIONAL }; null if absent or malformed.
     */
    static byte[] sec1Curve(byte[] der) {
        try {
            int[] outer = header(der, 0);
            if (der[0] != SEQUENCE) {
                return null;
            }
            int at = outer[0];
            int end = outer[0] + outer[1];
            while (at < end) {
                int[] h = header(der, at);
                if ((der[at] & 0xFF) == CONTEXT_0) {
                    int[] inner = header(der, h[0]);
                    if (der[h[0]] != OID) {
                        return null;
                    }
                    byte[] tlv = new byte[inner[0] - h[0] + inner[1]];
                    System.arraycopy(der, h[0], tlv, 0, tlv.length);
                    return tlv;
                }
                at = h[0] + h[1];
            }
            return null;
        } catch (ArrayIndexOutOfBoundsException e) {
            // a truncated key: the caller says "does not name its curve", and KeyFactory would refuse it anyway
            return null;
        }
    }

    /** {content offset, content length} of the TLV at {@code at}. */
    private static int[] header(byte[] der, int at) {
        int len = der[at + 1] & 0xFF;
        int offset = at + 2;
        if (len >= 0x80) {
            int n = len & 0x7F;
            if (n > 3) {
                throw new ArrayIndexOutOfBoundsException("length of " + n + " bytes");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[offset++] & 0xFF);
            }
        }
        if (offset + len > der.length) {
            throw new ArrayIndexOutOfBoundsException("past the end");
        }
        return new int[] {offset, len};
    }

    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xFFFF ? 3 : n > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** The content octets of a dotted OID. */
    static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            long v = Long.parseLong(parts[i]);
            int groups = 1;
            while ((v >>> (7 * groups)) != 0) {
                groups++;
            }
            for (int g = groups - 1; g >= 0; g--) {
                out.write((int) ((v >>> (7 * g)) & 0x7F) | (g > 0 ? 0x80 : 0));
            }
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
