package dev.forkd.shared.framing;

import static dev.forkd.shared.framing.Streams.bytes;
import static dev.forkd.shared.framing.Streams.decode;
import static dev.forkd.shared.framing.Streams.feed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineDecoderTest {
    private static final int MIB = 1 << 20;

    private static LineDecoder line(int maxFrame) {
        return (LineDecoder) Framings.decoder(Framing.LINE, maxFrame, 0);
    }

    @Test
    void crBeforeNewlineIsDroppedOtherCrsKept() throws FramingException {
        assertEquals(List.of("a", "a\rb", "", "", "a\r", "\rx"),
                decode(line(16), bytes("a\r\na\rb\n\r\n\na\r\r\n\rx\n")));
    }

    @Test
    void crAndNewlineSplitAcrossCalls() throws FramingException {
        assertEquals(List.of("abc"), decode(line(16), bytes("abc\r\n"), 4));
        assertEquals(List.of("abc"), decode(line(16), bytes("abc\r\n"), 3, 4));
        assertEquals(List.of(""), decode(line(16), bytes("\r\n"), 1));
        assertEquals(List.of("ab\r"), decode(line(16), bytes("ab\r\r\n"), 3, 4));
    }

    @Test
    void framesInsideTheInputAreSlicesOfIt() throws FramingException {
        byte[] in = bytes("one\ntwo\r\nthree\n");
        List<ByteBuffer> seen = new ArrayList<>();
        line(16).decode(ByteBuffer.wrap(in), f -> {
            assertSame(in, f.array(), "no copy for a frame wholly inside the input");
            seen.add(f);
        });
        assertEquals(3, seen.size());
    }

    @Test
    void lineOfExactlyTheLimitPasses() throws FramingException {
        assertEquals(List.of("12345", "12345", "1234\r"), decode(line(5), bytes("12345\n12345\r\n1234\r\r\n")));
        // and when the trailing '\r' waits for its '\n' in the next read
        assertEquals(List.of("12345"), decode(line(5), bytes("12345\r\n"), 6));
        assertEquals(List.of("12345"), decode(line(5), bytes("12345\r\n"), 2, 6));
    }

    @Test
    void lineOverTheLimitFailsAsSoonAsItIsCertain() {
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> decode(line(5), bytes("123456\n")));
        assertEquals("line longer than the limit of 5 bytes", e.getMessage());
        assertEquals(5, e.limit());
        assertThrows(FrameTooLargeException.class, () -> decode(line(5), bytes("12345\r\r\n")));

        // one byte at a time: the sixth content byte fails, without waiting for a newline
        assertEquals(6, bytesFedUntilFailure(line(5), bytes("123456789")));
        // a sixth byte '\r' might be the end of the line: the next byte decides
        assertEquals(7, bytesFedUntilFailure(line(5), bytes("12345\rx")));
        // also when what came before sits in the decoder's buffer
        LineDecoder d = line(5);
        assertThrows(FrameTooLargeException.class, () -> decode(d, bytes("12\n123456"), 5));
    }

    private static int bytesFedUntilFailure(FrameDecoder d, byte[] stream) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < stream.length; i++) {
            try {
                feed(d, new byte[] {stream[i]}, out);
            } catch (FramingException e) {
                return i + 1;
            }
        }
        return -1;
    }

    @Test
    void endlessLineFailsAfterTheLimitWithBoundedMemory() {
        LineDecoder d = line(MIB);
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'a');
        long fed = 0;
        FramingException failure = null;
        while (fed < 100L * MIB && failure == null) {
            try {
                d.decode(ByteBuffer.wrap(chunk), f -> {
                    throw new AssertionError("no frame expected");
                });
                fed += chunk.length;
            } catch (FramingException e) {
                failure = e;
            }
        }
        assertTrue(failure instanceof FrameTooLargeException, "an endless line must fail");
        assertTrue(fed <= MIB + 1, "failed only after " + fed + " bytes");
        assertTrue(d.bufferCapacity() <= MIB + 1, "buffered " + d.bufferCapacity());
    }

    @Test
    void oversizeLineInOneReadIsNotBufferedAtAll() {
        LineDecoder d = line(1000);
        byte[] big = new byte[10_000];
        Arrays.fill(big, (byte) 'x');
        big[big.length - 1] = '\n';
        assertThrows(FrameTooLargeException.class, () -> d.decode(ByteBuffer.wrap(big), f -> { }));
        assertEquals(0, d.bufferCapacity());
    }

    @Test
    void bufferGrowsWithTheDataNotTheLimit() throws FramingException {
        LineDecoder d = line(MIB);
        feed(d, bytes("just a few bytes"), new ArrayList<>());
        assertTrue(d.bufferCapacity() <= 256, "capacity " + d.bufferCapacity());
    }

    @Test
    void bigBufferIsReleasedAfterItsLine() throws FramingException {
        LineDecoder d = line(MIB);
        byte[] half = new byte[100_000];
        Arrays.fill(half, (byte) 'y');
        List<String> out = new ArrayList<>();
        feed(d, half, out);
        feed(d, half, out);
        feed(d, bytes("\n"), out);
        assertEquals(1, out.size());
        assertEquals(200_000, out.get(0).length());
        assertEquals(0, d.bufferCapacity(), "an idle connection should not keep a large buffer");
    }

    @Test
    void finishDropsAndCountsThePartialLine() throws FramingException {
        LineDecoder d = line(100);
        List<String> out = new ArrayList<>();
        feed(d, bytes("done\nhalf a li"), out);
        assertEquals(List.of("done"), out);
        assertEquals(9, d.finish());
        assertEquals(0, d.finish());
        feed(d, bytes("next\n"), out);
        assertEquals(List.of("done", "next"), out);
    }

    @Test
    void sinkExceptionPropagatesUnchangedWithInputPastThatFrame() throws FramingException {
        LineDecoder d = line(100);
        ByteBuffer in = ByteBuffer.wrap(bytes("a\nb\nc\n"));
        IOException boom = new IOException("handler failed");
        List<String> out = new ArrayList<>();
        IOException thrown = assertThrows(IOException.class, () -> d.decode(in, f -> {
            if (Streams.str(f).equals("b")) {
                throw boom;
            }
            out.add(Streams.str(f));
        }));
        assertSame(boom, thrown);
        assertEquals(4, in.position());
        feed(d, in, out);
        assertEquals(List.of("a", "c"), out);
    }
}
