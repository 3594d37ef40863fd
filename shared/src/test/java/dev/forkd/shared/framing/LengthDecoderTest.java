package dev.forkd.shared.framing;

import static dev.forkd.shared.framing.Streams.decode;
import static dev.forkd.shared.framing.Streams.feed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LengthDecoderTest {
    private static final int MIB = 1 << 20;

    private static FrameDecoder length(int maxFrame) {
        return Framings.decoder(Framing.LENGTH, maxFrame, 0);
    }

    /** As Python's {@code struct.pack('!I', n) + payload}. */
    private static byte[] frame(long n, String payload) {
        byte[] p = Streams.bytes(payload);
        return ByteBuffer.allocate(4 + p.length).putInt((int) n).put(p).array();
    }

    private static byte[] cat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    @Test
    void framesIncludingEmptyOnes() throws FramingException {
        byte[] stream = cat(frame(3, "abc"), frame(0, ""), frame(0, ""), frame(1, "\n"));
        assertEquals(List.of("abc", "", "", "\n"), decode(length(16), stream));
    }

    @Test
    void emptyFrameIsDeliveredWhenItsPrefixCompletesTheInput() throws FramingException {
        assertEquals(List.of(""), decode(length(16), frame(0, ""), 2));
    }

    @Test
    void prefixIsBigEndianWhateverTheBufferOrder() throws FramingException {
        List<String> out = new ArrayList<>();
        feed(length(16), ByteBuffer.wrap(frame(2, "ok")).order(java.nio.ByteOrder.LITTLE_ENDIAN), out);
        assertEquals(List.of("ok"), out);
    }

    @Test
    void prefixSplitAcrossCalls() throws FramingException {
        byte[] stream = cat(frame(5, "hello"), frame(2, "hi"));
        for (int a = 1; a < 9; a++) {
            assertEquals(List.of("hello", "hi"), decode(length(16), stream, a, a + 1, 10), "cut at " + a);
        }
    }

    @Test
    void framesInsideTheInputAreSlicesOfIt() throws FramingException {
        byte[] in = cat(frame(2, "ab"), frame(3, "cde"));
        List<String> seen = new ArrayList<>();
        length(16).decode(ByteBuffer.wrap(in), f -> {
            assertSame(in, f.array());
            seen.add(Streams.str(f));
        });
        assertEquals(List.of("ab", "cde"), seen);
    }

    @Test
    void limitIsInclusive() throws FramingException {
        assertEquals(List.of("12345"), decode(length(5), frame(5, "12345")));
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> decode(length(5), frame(6, "123456")));
        assertEquals("frame of 6 bytes exceeds the limit of 5", e.getMessage());
        assertEquals(5, e.limit());
    }

    @Test
    void hugePrefixFailsOnTheSpotAndIsReadUnsigned() {
        // 2 GiB: negative as a Java int, and must never be allocated
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class,
                () -> length(MIB).decode(ByteBuffer.wrap(new byte[] {(byte) 0x80, 0, 0, 0}), f -> { }));
        assertEquals("frame of 2147483648 bytes exceeds the limit of 1048576", e.getMessage());

        e = assertThrows(FrameTooLargeException.class,
                () -> length(Integer.MAX_VALUE).decode(ByteBuffer.wrap(new byte[] {-1, -1, -1, -1}), f -> { }));
        assertEquals("frame of 4294967295 bytes exceeds the limit of 2147483647", e.getMessage());
    }

    @Test
    void hugePrefixSplitByteByByteFailsOnItsLastByte() throws FramingException {
        FrameDecoder d = length(MIB);
        List<String> out = new ArrayList<>();
        feed(d, new byte[] {0x7F}, out);
        feed(d, new byte[] {0}, out);
        feed(d, new byte[] {0}, out);
        assertThrows(FrameTooLargeException.class, () -> feed(d, new byte[] {1}, out));
    }

    @Test
    void largeAllowedFrameBuffersOnlyWhatArrived() throws FramingException {
        LengthDecoder d = (LengthDecoder) length(Integer.MAX_VALUE);
        List<String> out = new ArrayList<>();
        feed(d, frame(Integer.MAX_VALUE, "only a little"), out);
        assertTrue(out.isEmpty());
        assertTrue(d.bufferCapacity() <= 256, "capacity " + d.bufferCapacity());
        assertEquals(4 + 13, d.finish());
    }

    @Test
    void finishCountsPrefixAndPayloadBytesOfThePartialFrame() throws FramingException {
        FrameDecoder d = length(100);
        List<String> out = new ArrayList<>();
        feed(d, new byte[] {0, 0}, out);
        assertEquals(2, d.finish());
        feed(d, cat(frame(1, "x"), frame(10, "12345")), out);
        assertEquals(9, d.finish());
        assertEquals(0, d.finish());
        feed(d, frame(2, "ok"), out);
        assertEquals(List.of("x", "ok"), out);
    }
}
