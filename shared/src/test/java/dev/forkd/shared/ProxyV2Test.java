package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProxyV2Test {
    /** Spec section 2.2: "\r\n\r\n\0\r\nQUIT\n". */
    private static final int[] SIG = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] cat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    private static InetSocketAddress at(String ip, int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    /** A header with the given version/command byte, family/protocol byte and length, followed by {@code body}. */
    private static byte[] header(int verCmd, int famProto, int length, byte[] body) {
        return cat(bytes(SIG), bytes(verCmd, famProto, length >> 8, length & 0xFF), body);
    }

    @Test
    void tcp4LayoutByHand() throws IOException {
        byte[] expected = bytes(
                0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, // signature
                0x21,                   // version 2, command PROXY
                0x11,                   // AF_INET, STREAM
                0x00, 0x0C,             // 12 address bytes follow
                0x7F, 0x00, 0x00, 0x01, // source 127.0.0.1
                0x7F, 0x00, 0x00, 0x01, // destination 127.0.0.1
                0xDC, 0x04,             // source port 56324
                0x22, 0xB8);            // destination port 8888
        assertArrayEquals(expected, ProxyV2.encode(at("127.0.0.1", 56324), at("127.0.0.1", 8888)));
    }

    @Test
    void tcp6LayoutByHand() throws IOException {
        byte[] expected = bytes(
                0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
                0x21,
                0x21,                   // AF_INET6, STREAM
                0x00, 0x24,             // 36 address bytes follow
                0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,             // ::1
                0x01, 0xBB,             // 443
                0xFF, 0xFF);            // 65535
        assertArrayEquals(expected, ProxyV2.encode(at("2001:db8::1", 443), at("::1", 65535)));
    }

    @Test
    void localLayoutByHand() {
        assertArrayEquals(cat(bytes(SIG), bytes(0x20, 0x00, 0x00, 0x00)), ProxyV2.encodeLocal());
    }

    @Test
    void mixedFamiliesAreWrittenAsIpv4MappedIpv6() throws Exception {
        byte[] h = ProxyV2.encode(at("192.0.2.7", 1234), at("2001:db8::2", 80));
        assertEquals(16 + 36, h.length);
        assertEquals(0x21, h[13]);
        assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 7), Arrays.copyOfRange(h, 16, 32));

        ProxyHeader back = ProxyV2.decode(ByteBuffer.wrap(h));
        // Java reads an IPv4-mapped address back as the IPv4 address itself
        assertEquals(at("192.0.2.7", 1234), back.source());
        assertTrue(back.source().getAddress() instanceof Inet4Address);
        assertEquals(at("2001:db8::2", 80), back.destination());
    }

    @Test
    void roundTrips() throws Exception {
        InetSocketAddress[][] pairs = {
            {at("127.0.0.1", 56324), at("127.0.0.1", 8888)},
            {at("10.1.2.3", 0), at("255.255.255.255", 65535)},
            {at("2001:db8::1", 443), at("fe80::1:2:3:4", 1)},
            {at("::1", 40000), at("10.0.0.1", 80)},
        };
        for (InetSocketAddress[] p : pairs) {
            ProxyHeader h = ProxyV2.decode(ByteBuffer.wrap(ProxyV2.encode(p[0], p[1])));
            assertEquals(ProxyHeader.of(p[0], p[1]), h);
            assertFalse(h.local());
        }
        assertEquals(ProxyHeader.ofLocal(), ProxyV2.decode(ByteBuffer.wrap(ProxyV2.encodeLocal())));
    }

    @Test
    void incrementalDecodeWaitsThenStopsExactlyAfterTheHeader() throws Exception {
        for (byte[] header : new byte[][] {
            ProxyV2.encode(at("127.0.0.1", 56324), at("127.0.0.1", 8888)),
            ProxyV2.encode(at("2001:db8::1", 443), at("::1", 8888)),
            ProxyV2.encodeLocal(),
        }) {
            byte[] client = "hello\n".getBytes(StandardCharsets.US_ASCII);
            byte[] prefix = {9, 9, 9}; // bytes already consumed by the reader before the header
            byte[] stream = cat(prefix, header, client);
            for (int end = prefix.length; end < prefix.length + header.length; end++) {
                ByteBuffer b = ByteBuffer.wrap(stream, 0, end).position(prefix.length);
                assertNull(ProxyV2.decode(b), "incomplete at " + end);
                assertEquals(prefix.length, b.position(), "position kept while incomplete");
            }
            ByteBuffer b = ByteBuffer.wrap(stream).position(prefix.length);
            ProxyHeader h = ProxyV2.decode(b);
            assertEquals(ProxyV2.decode(ByteBuffer.wrap(header)), h);
            assertEquals(prefix.length + header.length, b.position());
            byte[] rest = new byte[b.remaining()];
            b.get(rest);
            assertArrayEquals(client, rest, "the client's bytes are left untouched");
        }
    }

    @Test
    void tlvsAfterTheAddressBlockAreTakenWithTheHeader() throws Exception {
        byte[] addresses = bytes(10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0x00, 0x50);
        byte[] tlvs = bytes(0x04, 0x00, 0x03, 0xAA, 0xBB, 0xCC,   // PP2_TYPE_NOOP, 3 bytes
                            0x02, 0x00, 0x01, 'x');             // PP2_TYPE_AUTHORITY "x"
        byte[] stream = cat(header(0x21, 0x11, 12 + tlvs.length, cat(addresses, tlvs)), bytes('G', 'E', 'T'));
        ByteBuffer b = ByteBuffer.wrap(stream);
        ProxyHeader h = ProxyV2.decode(b);
        assertEquals(at("10.0.0.1", 12345), h.source());
        assertEquals(at("10.0.0.2", 80), h.destination());
        assertEquals("x", h.tlvs().authority(), "NOOP skipped, AUTHORITY read (ProxyV2TlvTest has the rest)");
        assertEquals(stream.length - 3, b.position());
        assertNull(ProxyV2.decode(ByteBuffer.wrap(stream, 0, stream.length - 4)), "TLVs not all there yet");
    }

    @Test
    void unixAndUnspecifiedFamiliesDecodeWithoutAddresses() throws Exception {
        assertEquals(new ProxyHeader(false, null, null), ProxyV2.decode(ByteBuffer.wrap(header(0x21, 0x31, 216, new byte[216]))));
        assertEquals(new ProxyHeader(false, null, null), ProxyV2.decode(ByteBuffer.wrap(header(0x21, 0x00, 0, new byte[0]))));
        // LOCAL ignores whatever address block it carries
        ByteBuffer b = ByteBuffer.wrap(header(0x20, 0x11, 12, new byte[12]));
        assertEquals(ProxyHeader.ofLocal(), ProxyV2.decode(b));
        assertEquals(28, b.position());
    }

    @Test
    void badSignatureIsRejectedEarly() {
        byte[] http = "GET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII); // 14 bytes: less than the fixed part
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(http)));
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(bytes('G'))));
        // a PROXY v1 (text) header is not accepted either
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(
                "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n".getBytes(StandardCharsets.US_ASCII))));
        // wrong on the sixth byte, with only six bytes there
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(bytes(0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0A))));
    }

    @Test
    void badVersionCommandFamilyAndLength() {
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class,
                () -> ProxyV2.decode(ByteBuffer.wrap(header(0x11, 0x11, 12, new byte[12]))));
        assertEquals("unsupported PROXY protocol version 1", e.getMessage());
        e = assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header(0x22, 0x11, 12, new byte[12]))));
        assertEquals("unsupported PROXY command 2", e.getMessage());
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header(0x21, 0x41, 12, new byte[12]))));
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header(0x21, 0x13, 12, new byte[12]))));
        // too short for the family: rejected from the fixed part alone, without waiting for the rest
        e = assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header(0x21, 0x11, 11, new byte[0]))));
        assertEquals("PROXY header length 11 too short for its address family", e.getMessage());
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header(0x21, 0x21, 12, new byte[12]))));
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header(0x21, 0x31, 215, new byte[215]))));
    }

    @Test
    void readFromStreamTakesExactlyTheHeader() throws Exception {
        byte[] header = ProxyV2.encode(at("127.0.0.1", 56324), at("127.0.0.1", 8888));
        ByteArrayInputStream in = new ByteArrayInputStream(cat(header, bytes('h', 'i')));
        assertEquals(ProxyHeader.of(at("127.0.0.1", 56324), at("127.0.0.1", 8888)), ProxyV2.read(in));
        assertArrayEquals(bytes('h', 'i'), in.readAllBytes());

        in = new ByteArrayInputStream(cat(ProxyV2.encodeLocal(), bytes('x')));
        assertEquals(ProxyHeader.ofLocal(), ProxyV2.read(in));
        assertEquals('x', in.read());
        assertEquals(-1, in.read());
    }

    @Test
    void readFromStreamEndingInsideTheHeader() throws Exception {
        byte[] header = ProxyV2.encode(at("2001:db8::1", 443), at("::1", 8888));
        for (int n : new int[] {0, 5, 15, 16, 30, header.length - 1}) {
            ByteArrayInputStream in = new ByteArrayInputStream(Arrays.copyOf(header, n));
            assertThrows(EOFException.class, () -> ProxyV2.read(in), "truncated to " + n);
        }
        ByteArrayInputStream http = new ByteArrayInputStream("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.read(http));
    }

    @Test
    void aDeclaredLengthOverTheAcceptedBoundIsRefusedFromTheFixedPartAlone() throws Exception {
        // 16 bytes only: PROXY TCP4 declaring 60000 bytes; nothing after the fixed part is needed to refuse it
        byte[] fixed = cat(bytes(SIG), bytes(0x21, 0x11, 60000 >> 8, 60000 & 0xFF));
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class,
                () -> ProxyV2.decode(ByteBuffer.wrap(fixed), ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH));
        assertTrue(e.getMessage().contains("60000"), e.getMessage());
        // the one-argument decode still waits for the rest (a worker reads the supervisor's own headers)
        assertNull(ProxyV2.decode(ByteBuffer.wrap(fixed)));
    }

    @Test
    void aDeclaredLengthAtTheAcceptedBoundIsDecoded() throws Exception {
        int declared = ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH;
        byte[] addresses = bytes(192, 0, 2, 7, 198, 51, 100, 1, 0x9C, 0x40, 0x01, 0xBB);
        // the rest of the declared length: one NOOP TLV (type 0x04) filling it
        int tlv = declared - addresses.length - 3;
        byte[] header = cat(bytes(SIG), bytes(0x21, 0x11, declared >> 8, declared & 0xFF), addresses,
                bytes(0x04, tlv >> 8, tlv & 0xFF), new byte[tlv]);
        ProxyHeader h = ProxyV2.decode(ByteBuffer.wrap(header), ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH);
        assertEquals(new InetSocketAddress("192.0.2.7", 40000), h.source());
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header), declared - 1));
    }
}
