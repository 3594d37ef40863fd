package dev.forkd.shared;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * PROXY protocol version 1 (text) decoder, after the HAProxy specification, section 2.1:
 * {@code PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n} or {@code PROXY UNKNOWN ...\r\n}, at
 * most 107 bytes.
 */
public final class ProxyV1 {
    public static final int MAX_LENGTH = 107;
    private static final byte[] PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);

    private ProxyV1() {
    }

    /** True if the bytes seen so far could be the start of a v1 header. */
    public static boolean couldStart(ByteBuffer in) {
        int n = Math.min(in.remaining(), PREFIX.length);
        for (int i = 0; i < n; i++) {
            if (in.get(in.position() + i) != PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes a header from the start of {@code in} if its CRLF is there: returns it with the
     * position just past the CRLF; returns null (position unchanged) if more bytes are needed.
     *
     * @throws ProxyProtocolException if the bytes cannot be a v1 header
     */
    public static ProxyHeader decode(ByteBuffer in) throws ProxyProtocolException {
        if (!couldStart(in)) {
            throw new ProxyProtocolException("not a PROXY protocol v1 header");
        }
        int start = in.position();
        int end = -1;
        for (int i = start; i < in.limit() && i - start < MAX_LENGTH; i++) {
            if (in.get(i) == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            if (in.remaining() >= MAX_LENGTH) {
                throw new ProxyProtocolException("PROXY v1 header longer than " + MAX_LENGTH + " bytes");
            }
            return null;
        }
        if (end == start || in.get(end - 1) != '\r') {
            throw new ProxyProtocolException("PROXY v1 header not terminated by CRLF");
        }
        byte[] line = new byte[end - 1 - start];
        in.get(start, line);
        String[] f = new String(line, StandardCharsets.US_ASCII).split(" ", -1);
        ProxyHeader header;
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            header = new ProxyHeader(false, null, null);
        } else if (f.length == 6 && (f[1].equals("TCP4") || f[1].equals("TCP6"))) {
            boolean v4 = f[1].equals("TCP4");
            header = ProxyHeader.of(new InetSocketAddress(address(f[2], v4), port(f[4])), new InetSocketAddress(address(f[3], v4), port(f[5])));
        } else {
            throw new ProxyProtocolException("malformed PROXY v1 header");
        }
        in.position(end + 1);
        return header;
    }

    private static InetAddress address(String text, boolean v4) throws ProxyProtocolException {
        boolean looksV4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean looksV6 = text.matches("[0-9a-fA-F:.]+") && text.contains(":");
        if (v4 ? !looksV4 : !looksV6) {
            throw new ProxyProtocolException("bad " + (v4 ? "IPv4" : "IPv6") + " address in PROXY v1 header: " + text);
        }
        try {
            // a literal: no name lookup happens
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new ProxyProtocolException("bad address in PROXY v1 header: " + text);
        }
    }

    private static int port(String text) throws ProxyProtocolException {
        if (!text.matches("\\d{1,5}") || (text.length() > 1 && text.startsWith("0"))) {
            throw new ProxyProtocolException("bad port in PROXY v1 header: " + text);
        }
        int p = Integer.parseInt(text);
        if (p > 65535) {
            throw new ProxyProtocolException("bad port in PROXY v1 header: " + text);
        }
        return p;
    }
}
