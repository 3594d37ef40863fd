package dev.forkd.shared;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Random PROXY headers, valid ones with what they must decode to, and damaged ones. Seeded, so a
 * failure reproduces. Used by ProxyV2PropertyTest here and, through the test-jar, by the
 * supervisor's test of netty-codec-haproxy's decoder.
 */
public final class ProxyHeaderGen {

    /** A header's bytes and what it says; {@code expected} null for a damaged header, which may or may not be valid. */
    public record Case(byte[] bytes, ProxyHeader expected, String what) {
    }

    private static final String[] ALPNS = {"h2", "http/1.1", "", "acme-tls/1", "ünïcode"};
    private static final String[] VERSIONS = {"TLSv1.2", "TLSv1.3"};
    private static final String[] CIPHERS = {"TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "TLS_CHACHA20_POLY1305_SHA256"};
    private static final String[] NAMES = {"alice", "bob.example", "Ålice Ünicode", "", "x".repeat(200)};

    private ProxyHeaderGen() {
    }

    /** A valid v2 PROXY header over TCP/IPv4, IPv6 or UNIX, with random TLVs in random order. */
    public static Case v2(Random r) {
        int family = 1 + r.nextInt(3);
        byte[] block;
        InetSocketAddress src = null;
        InetSocketAddress dst = null;
        if (family == 3) {
            block = new byte[216];
            r.nextBytes(block);
        } else {
            byte[] s = new byte[family == 1 ? 4 : 16];
            byte[] d = new byte[s.length];
            r.nextBytes(s);
            r.nextBytes(d);
            int sp = r.nextInt(65536);
            int dp = r.nextInt(65536);
            src = new InetSocketAddress(address(s), sp);
            dst = new InetSocketAddress(address(d), dp);
            block = ProxyTlvBytes.cat(s, d, new byte[] {(byte) (sp >> 8), (byte) sp, (byte) (dp >> 8), (byte) dp});
        }
        List<byte[]> tlvs = new ArrayList<>();
        String alpn = null;
        String authority = null;
        ProxySsl ssl = null;
        if (r.nextBoolean()) {
            alpn = pick(r, ALPNS);
            tlvs.add(ProxyTlvBytes.tlv(ProxyTlvBytes.ALPN, alpn));
        }
        if (r.nextBoolean()) {
            authority = pick(r, NAMES);
            tlvs.add(ProxyTlvBytes.tlv(ProxyTlvBytes.AUTHORITY, authority));
        }
        if (r.nextBoolean()) {
            ssl = ssl(r);
            tlvs.add(sslBytes(r, ssl));
        }
        for (int i = r.nextInt(3); i > 0; i--) {
            // what a receiver skips: NOOP, UNIQUE_ID, NETNS, the custom range, types yet to come
            int[] types = {ProxyTlvBytes.NOOP, ProxyTlvBytes.UNIQUE_ID, ProxyTlvBytes.NETNS, 0xE0 + r.nextInt(16), 0xF8 + r.nextInt(8), 0x06};
            byte[] v = new byte[r.nextInt(r.nextBoolean() ? 8 : 129)];
            r.nextBytes(v);
            tlvs.add(ProxyTlvBytes.tlv(types[r.nextInt(types.length)], v));
        }
        Collections.shuffle(tlvs, r);
        byte[] header = ProxyTlvBytes.v2(0x21, (family << 4) | 1, ProxyTlvBytes.cat(block, ProxyTlvBytes.cat(tlvs.toArray(new byte[0][]))));
        if (r.nextInt(4) == 0) {
            header = ProxyTlvBytes.withCrc(header, false);
        }
        ProxyTlvs t = alpn == null && authority == null && ssl == null ? ProxyTlvs.NONE : new ProxyTlvs(alpn, authority, ssl);
        return new Case(header, new ProxyHeader(false, src, dst, t), "v2 family " + family + " with " + tlvs.size() + " TLV(s)");
    }

    /** A valid v1 header: TCP4, TCP6 or UNKNOWN. */
    public static Case v1(Random r) {
        int kind = r.nextInt(5);
        if (kind == 0) {
            return new Case("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII), new ProxyHeader(false, null, null), "v1 UNKNOWN");
        }
        boolean v4 = kind < 3;
        byte[] s = new byte[v4 ? 4 : 16];
        byte[] d = new byte[s.length];
        r.nextBytes(s);
        r.nextBytes(d);
        if (!v4) {
            // IPv4-mapped addresses would come back as IPv4: keep the v6 ones plainly v6
            s[0] = 0x20;
            d[0] = 0x20;
        }
        InetSocketAddress src = new InetSocketAddress(address(s), r.nextInt(65536));
        InetSocketAddress dst = new InetSocketAddress(address(d), r.nextInt(65536));
        String line = "PROXY " + (v4 ? "TCP4 " : "TCP6 ") + src.getAddress().getHostAddress() + " " + dst.getAddress().getHostAddress()
                + " " + src.getPort() + " " + dst.getPort() + "\r\n";
        return new Case(line.getBytes(StandardCharsets.US_ASCII), ProxyHeader.of(src, dst), "v1 " + line.trim());
    }

    /** {@code c} damaged one way or another: a byte changed, a length field changed, cut short, or a byte inserted. */
    public static Case damage(Random r, Case c) {
        byte[] b = c.bytes().clone();
        String what;
        switch (r.nextInt(5)) {
            case 0: {
                int at = r.nextInt(b.length);
                b[at] = (byte) r.nextInt(256);
                what = "byte " + at + " set";
                break;
            }
            case 1: {
                // the header's own length, or a TLV's length byte
                int at = b.length > 16 && r.nextBoolean() ? 16 + r.nextInt(b.length - 16) : Math.min(b.length - 1, 14 + r.nextInt(2));
                b[at] ^= (byte) (1 << r.nextInt(8));
                what = "a bit flipped at " + at;
                break;
            }
            case 2:
                b = Arrays.copyOf(b, r.nextInt(b.length));
                what = "cut to " + b.length;
                break;
            case 3: {
                int at = r.nextInt(b.length + 1);
                byte[] longer = new byte[b.length + 1];
                System.arraycopy(b, 0, longer, 0, at);
                longer[at] = (byte) r.nextInt(256);
                System.arraycopy(b, at, longer, at + 1, b.length - at);
                b = longer;
                what = "a byte inserted at " + at;
                break;
            }
            default: {
                // a v2 header whose declared length grows by a little, so that its TLVs run short
                if (b.length >= 16 && b[12] == 0x21) {
                    int len = ((b[14] & 0xFF) << 8 | (b[15] & 0xFF)) + 1 + r.nextInt(4);
                    b[14] = (byte) (len >> 8);
                    b[15] = (byte) len;
                    b = Arrays.copyOf(b, 16 + Math.min(len, 0xFFFF));
                    what = "length grown to " + len;
                } else {
                    what = "unchanged";
                }
                break;
            }
        }
        return new Case(b, null, c.what() + ", " + what);
    }

    private static ProxySsl ssl(Random r) {
        int client = r.nextInt(8);
        int verify = r.nextBoolean() ? 0 : r.nextInt();
        return new ProxySsl(client, verify, r.nextBoolean() ? pick(r, VERSIONS) : null, r.nextBoolean() ? pick(r, NAMES) : null,
                r.nextBoolean() ? pick(r, CIPHERS) : null, r.nextInt(4) == 0 ? "RSA-SHA256" : null, r.nextInt(4) == 0 ? "EC256" : null);
    }

    private static byte[] sslBytes(Random r, ProxySsl ssl) {
        List<byte[]> subs = new ArrayList<>();
        add(subs, ProxyTlvBytes.SSL_VERSION, ssl.version());
        add(subs, ProxyTlvBytes.SSL_CN, ssl.commonName());
        add(subs, ProxyTlvBytes.SSL_CIPHER, ssl.cipher());
        add(subs, ProxyTlvBytes.SSL_SIG_ALG, ssl.signatureAlgorithm());
        add(subs, ProxyTlvBytes.SSL_KEY_ALG, ssl.keyAlgorithm());
        if (r.nextInt(4) == 0) {
            subs.add(ProxyTlvBytes.tlv(0x26 + r.nextInt(8), new byte[r.nextInt(5)]));
        }
        Collections.shuffle(subs, r);
        return ProxyTlvBytes.ssl(ssl.client(), ssl.verify(), subs.toArray(new byte[0][]));
    }

    private static void add(List<byte[]> subs, int type, String value) {
        if (value != null) {
            subs.add(ProxyTlvBytes.tlv(type, value));
        }
    }

    private static String pick(Random r, String[] from) {
        return from[r.nextInt(from.length)];
    }

    private static InetAddress address(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
