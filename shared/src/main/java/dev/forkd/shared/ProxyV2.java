package dev.forkd.shared;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * PROXY protocol version 2 (binary) encoder and decoder, after the HAProxy specification
 * ("The PROXY protocol", section 2.2). Only TCP over IPv4/IPv6 and LOCAL are produced; on
 * decoding, UNIX and unspecified families are accepted (no address). After an IPv4, IPv6 or UNIX
 * address block the TLVs are read strictly ({@link ProxyTlvReader}); LOCAL and unspecified
 * headers carry no block to find them after, and their extra bytes are skipped unread.
 */
public final class ProxyV2 {
    /** The 12-byte signature that starts every v2 header. */
    static final byte[] SIGNATURE = {
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
    };
    /** Signature, version/command, family/protocol and a 2-byte length. */
    public static final int FIXED_LENGTH = 16;
    /** The largest header there can be: the length field is 16 bits. */
    public static final int MAX_LENGTH = FIXED_LENGTH + 0xFFFF;
    /**
     * The most a header from an upstream proxy may declare after its fixed part: far above the
     * addresses and the TLVs real proxies send (HAProxy's SSL TLVs are a few hundred bytes), far
     * below what a client could make a server allocate (64 KiB each).
     */
    public static final int MAX_ACCEPTED_DECLARED_LENGTH = 2048;

    private static final int VERSION_2 = 0x20;
    private static final int CMD_LOCAL = 0x0;
    private static final int CMD_PROXY = 0x1;
    private static final int AF_UNSPEC = 0x0;
    private static final int AF_INET = 0x1;
    private static final int AF_INET6 = 0x2;
    private static final int AF_UNIX = 0x3;
    private static final int PROTO_STREAM = 0x1;
    private static final int IPV4_BLOCK = 12;
    private static final int IPV6_BLOCK = 36;
    private static final int UNIX_BLOCK = 216;

    private ProxyV2() {
    }

    /**
     * A PROXY header for a TCP connection from {@code source} to {@code destination}. When the two
     * are of different families (a dual-stack listener) both are written as IPv6, IPv4 mapped.
     */
    public static byte[] encode(InetSocketAddress source, InetSocketAddress destination) {
        InetAddress src = source.getAddress();
        InetAddress dst = destination.getAddress();
        boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        int block = v4 ? IPV4_BLOCK : IPV6_BLOCK;
        ByteBuffer b = ByteBuffer.allocate(FIXED_LENGTH + block);
        b.put(SIGNATURE);
        b.put((byte) (VERSION_2 | CMD_PROXY));
        b.put((byte) (((v4 ? AF_INET : AF_INET6) << 4) | PROTO_STREAM));
        b.putShort((short) block);
        b.put(v4 ? src.getAddress() : ipv6Bytes(src));
        b.put(v4 ? dst.getAddress() : ipv6Bytes(dst));
        b.putShort((short) source.getPort());
        b.putShort((short) destination.getPort());
        return b.array();
    }

    /** A LOCAL header: the connection carries no client (used for the proxy's own probes). */
    public static byte[] encodeLocal() {
        ByteBuffer b = ByteBuffer.allocate(FIXED_LENGTH);
        b.put(SIGNATURE);
        b.put((byte) (VERSION_2 | CMD_LOCAL));
        b.put((byte) ((AF_UNSPEC << 4)));
        b.putShort((short) 0);
        return b.array();
    }

    /**
     * Decodes a header from the start of {@code in} if all of it is there. On success the
     * buffer's position is just past the header; if more bytes are needed, returns null and leaves
     * the position as it was. Never reads past the header, so what follows is the client's data.
     *
     * @throws ProxyProtocolException as soon as the bytes seen cannot start a valid v2 header
     */
    public static ProxyHeader decode(ByteBuffer in) throws ProxyProtocolException {
        return decode(in, 0xFFFF);
    }

    /**
     * As {@link #decode(ByteBuffer)}, refusing a header that declares more than {@code maxDeclared}
     * bytes after its fixed part as soon as the fixed part is there, before the rest arrives.
     */
    public static ProxyHeader decode(ByteBuffer in, int maxDeclared) throws ProxyProtocolException {
        int start = in.position();
        int available = in.remaining();
        int sigSeen = Math.min(available, SIGNATURE.length);
        for (int i = 0; i < sigSeen; i++) {
            if (in.get(start + i) != SIGNATURE[i]) {
                throw new ProxyProtocolException("not a PROXY protocol v2 header (bad signature)");
            }
        }
        if (available < FIXED_LENGTH) {
            return null;
        }
        int verCmd = in.get(start + 12) & 0xFF;
        int famProto = in.get(start + 13) & 0xFF;
        int length = u16(in, start + 14);
        if ((verCmd & 0xF0) != VERSION_2) {
            throw new ProxyProtocolException("unsupported PROXY protocol version " + (verCmd >> 4));
        }
        int command = verCmd & 0x0F;
        if (command != CMD_LOCAL && command != CMD_PROXY) {
            throw new ProxyProtocolException("unsupported PROXY command " + command);
        }
        int family = famProto >> 4;
        int protocol = famProto & 0x0F;
        if (family > AF_UNIX || protocol > 0x2) {
            throw new ProxyProtocolException("unsupported PROXY address family/protocol 0x" + Integer.toHexString(famProto));
        }
        if (length > maxDeclared) {
            throw new ProxyProtocolException("PROXY v2 header declares " + length + " bytes, more than the " + maxDeclared + " accepted");
        }
        int needed = addressBlock(family);
        if (command == CMD_PROXY && length < needed) {
            throw new ProxyProtocolException("PROXY header length " + length + " too short for its address family");
        }
        if (available < FIXED_LENGTH + length) {
            return null;
        }
        ProxyHeader header;
        if (command == CMD_LOCAL) {
            header = ProxyHeader.ofLocal();
        } else if (family == AF_INET || family == AF_INET6) {
            int alen = family == AF_INET ? 4 : 16;
            int p = start + FIXED_LENGTH;
            byte[] src = new byte[alen];
            byte[] dst = new byte[alen];
            in.get(p, src);
            in.get(p + alen, dst);
            int sport = u16(in, p + 2 * alen);
            int dport = u16(in, p + 2 * alen + 2);
            header = new ProxyHeader(false, socketAddress(src, sport), socketAddress(dst, dport),
                    ProxyTlvReader.read(in, start, p + needed, start + FIXED_LENGTH + length));
        } else if (family == AF_UNIX) {
            // a proxied connection whose address we cannot express as IP
            header = new ProxyHeader(false, null, null,
                    ProxyTlvReader.read(in, start, start + FIXED_LENGTH + needed, start + FIXED_LENGTH + length));
        } else {
            // UNSPEC: the spec gives no address block, so there is no telling where TLVs would start
            header = new ProxyHeader(false, null, null);
        }
        in.position(start + FIXED_LENGTH + length);
        return header;
    }

    /**
     * Reads exactly one header from a blocking stream, byte-exact: nothing after it is consumed.
     *
     * @throws EOFException if the stream ends before the header is complete
     */
    public static ProxyHeader read(InputStream in) throws IOException, ProxyProtocolException {
        byte[] fixed = readFully(in, FIXED_LENGTH);
        ProxyHeader partial = decode(ByteBuffer.wrap(fixed));
        if (partial != null) {
            return partial;
        }
        int length = ((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF);
        byte[] whole = Arrays.copyOf(fixed, FIXED_LENGTH + length);
        byte[] rest = readFully(in, length);
        System.arraycopy(rest, 0, whole, FIXED_LENGTH, length);
        ProxyHeader header = decode(ByteBuffer.wrap(whole));
        if (header == null) {
            throw new IllegalStateException("a complete PROXY header did not decode");
        }
        return header;
    }

    /** A big-endian 16-bit field, byte by byte: getShort() would follow the caller's buffer byte order. */
    private static int u16(ByteBuffer in, int at) {
        return ((in.get(at) & 0xFF) << 8) | (in.get(at + 1) & 0xFF);
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("connection closed inside the PROXY header (" + b.length + " of " + n + " bytes)");
        }
        return b;
    }

    private static int addressBlock(int family) {
        switch (family) {
            case AF_INET:
                return IPV4_BLOCK;
            case AF_INET6:
                return IPV6_BLOCK;
            case AF_UNIX:
                return UNIX_BLOCK;
            default:
                return 0;
        }
    }

    private static InetSocketAddress socketAddress(byte[] addr, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(addr), port);
        } catch (UnknownHostException e) {
            // getByAddress only throws for lengths other than 4 and 16, which decode never passes
            throw new IllegalStateException(e);
        }
    }

    private static byte[] ipv6Bytes(InetAddress a) {
        if (a instanceof Inet6Address) {
            return a.getAddress();
        }
        byte[] v4 = a.getAddress();
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, mapped, 12, 4);
        return mapped;
    }
}
