package dev.forkd.shared.framing;

import static dev.forkd.shared.framing.Streams.bytes;
import static dev.forkd.shared.framing.Streams.decode;
import static dev.forkd.shared.framing.Streams.feed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedAndRawDecoderTest {

    private static FrameDecoder fixed(int size) {
        return Framings.decoder(Framing.FIXED, 1 << 20, size);
    }

    @Test
    void fixedRecordsAcrossAnySplit() throws FramingException {
        byte[] stream = bytes("abcdefghijkl");
        for (int a = 0; a <= stream.length; a++) {
            for (int b = a; b <= stream.length; b++) {
                assertEquals(List.of("abcd", "efgh", "ijkl"), decode(fixed(4), stream, a, b), a + "," + b);
            }
        }
    }

    @Test
    void recordsOfOneByte() throws FramingException {
        assertEquals(List.of("x", "y", "z"), decode(fixed(1), bytes("xyz")));
    }

    @Test
    void fixedFramesInsideTheInputAreSlices() throws FramingException {
        byte[] in = bytes("aabbc");
        FrameDecoder d = fixed(2);
        List<String> seen = new ArrayList<>();
        d.decode(ByteBuffer.wrap(in), f -> {
            assertSame(in, f.array());
            seen.add(Streams.str(f));
        });
        assertEquals(List.of("aa", "bb"), seen);
        assertEquals(1, d.finish());
    }

    @Test
    void finishReturnsTheTrailingPartialRecord() throws FramingException {
        FrameDecoder d = fixed(7);
        List<String> out = new ArrayList<>();
        feed(d, bytes("1234567123"), out);
        feed(d, bytes("4567abc"), out);
        assertEquals(List.of("1234567", "1234567"), out);
        assertEquals(3, d.finish());
        assertEquals(0, d.finish());
        feed(d, bytes("ABCDEFG"), out);
        assertEquals("ABCDEFG", out.get(2));
    }

    @Test
    void rawPassesEachChunkThroughUncopied() throws FramingException {
        FrameDecoder d = Framings.decoder(Framing.RAW, 1, 0);
        byte[] chunk = bytes("longer than the frame limit, which raw ignores");
        ByteBuffer in = ByteBuffer.wrap(chunk, 3, 10);
        List<ByteBuffer> seen = new ArrayList<>();
        d.decode(in, seen::add);
        assertEquals(1, seen.size());
        assertSame(chunk, seen.get(0).array());
        assertEquals("ger than t", Streams.str(seen.get(0)));
        assertEquals(13, in.position());

        d.decode(ByteBuffer.allocate(0), seen::add);
        assertEquals(1, seen.size(), "an empty read is not a message");
        assertEquals(0, d.finish());
    }
}
