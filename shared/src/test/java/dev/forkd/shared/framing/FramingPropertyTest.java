package dev.forkd.shared.framing;

import static dev.forkd.shared.framing.Streams.feed;
import static dev.forkd.shared.framing.Streams.oddBuffer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random frames, random cuts: whatever the reads look like, the decoder must deliver exactly the
 * frames that were sent. Fixed seeds, so a failure reproduces.
 */
class FramingPropertyTest {

    /** A stream and the frames it carries. */
    private record Case(byte[] stream, List<String> frames) {
    }

    private static Case randomCase(Random r, Framing framing, int maxFrame, int fixedSize, int count, boolean viaEncoder) {
        FrameEncoder enc = Framings.encoder(framing, fixedSize);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<String> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] f = randomFrame(r, framing, maxFrame, fixedSize);
            frames.add(Streams.str(f));
            if (viaEncoder) {
                stream.writeBytes(Streams.concat(List.<ByteBuffer[]>of(enc.encode(ByteBuffer.wrap(f)))));
            } else {
                writeByHand(r, framing, f, stream);
            }
        }
        return new Case(stream.toByteArray(), frames);
    }

    private static byte[] randomFrame(Random r, Framing framing, int maxFrame, int fixedSize) {
        int size;
        if (framing == Framing.FIXED) {
            size = fixedSize;
        } else {
            int pick = r.nextInt(8);
            size = pick == 0 ? 0 : pick == 1 ? maxFrame : r.nextInt(maxFrame + 1);
        }
        byte[] f = new byte[size];
        r.nextBytes(f);
        if (framing == Framing.LINE) {
            for (int i = 0; i < size; i++) {
                if (f[i] == '\n' || (i == size - 1 && f[i] == '\r')) {
                    f[i] = 'n'; // no terminator inside, no '\r' that would read as part of one
                } else if (r.nextInt(10) == 0) {
                    f[i] = '\r'; // plenty of stray '\r's inside lines
                }
            }
            if (size > 0 && f[size - 1] == '\r') {
                f[size - 1] = 'r';
            }
        }
        return f;
    }

    /** The wire format written independently of the encoders, with both line terminators. */
    private static void writeByHand(Random r, Framing framing, byte[] f, ByteArrayOutputStream out) {
        switch (framing) {
            case LINE:
                out.writeBytes(f);
                out.writeBytes(r.nextBoolean() ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
                break;
            case LENGTH:
                out.writeBytes(new byte[] {0, (byte) (f.length >>> 16), (byte) (f.length >>> 8), (byte) f.length});
                out.writeBytes(f);
                break;
            default:
                out.writeBytes(f);
        }
    }

    private static FrameDecoder decoder(Framing framing, int maxFrame, int fixedSize) {
        return Framings.decoder(framing, maxFrame, fixedSize);
    }

    @ParameterizedTest(name = "{0} max {1} record {2}")
    @CsvSource({
        "LINE, 1, 0", "LINE, 2, 0", "LINE, 7, 0", "LINE, 64, 0", "LINE, 3000, 0",
        "LENGTH, 1, 0", "LENGTH, 3, 0", "LENGTH, 64, 0", "LENGTH, 3000, 0",
        "FIXED, 64, 1", "FIXED, 64, 3", "FIXED, 64, 16", "FIXED, 4096, 1000",
    })
    void randomReadSizes(Framing framing, int maxFrame, int fixedSize) throws FramingException {
        for (long seed = 1; seed <= 40; seed++) {
            Random r = new Random(seed * 31 + maxFrame);
            Case c = randomCase(r, framing, maxFrame, fixedSize, 1 + r.nextInt(200), r.nextBoolean());
            FrameDecoder d = decoder(framing, maxFrame, fixedSize);
            List<String> out = new ArrayList<>();
            int pos = 0;
            while (pos < c.stream.length) {
                int left = c.stream.length - pos;
                int n;
                switch (r.nextInt(4)) {
                    case 0:
                        n = 1;
                        break;
                    case 1:
                        n = 1 + r.nextInt(Math.min(left, 8));
                        break;
                    case 2:
                        n = 1 + r.nextInt(Math.min(left, 3 * maxFrame + 10)); // often several frames per read
                        break;
                    default:
                        n = left;
                }
                feed(d, oddBuffer(r, c.stream, pos, pos + n), out);
                pos += n;
            }
            assertEquals(c.frames, out, "seed " + seed);
            assertEquals(0, d.finish(), "seed " + seed);
        }
    }

    @ParameterizedTest(name = "{0} max {1} record {2}")
    @CsvSource({"LINE, 5, 0", "LINE, 40, 0", "LENGTH, 5, 0", "LENGTH, 40, 0", "FIXED, 40, 1", "FIXED, 40, 6"})
    void cutAtEveryByteBoundary(Framing framing, int maxFrame, int fixedSize) throws FramingException {
        for (long seed = 100; seed < 104; seed++) {
            Random r = new Random(seed);
            Case c = randomCase(r, framing, maxFrame, fixedSize, 60, r.nextBoolean());
            for (int cut = 0; cut <= c.stream.length; cut++) {
                FrameDecoder d = decoder(framing, maxFrame, fixedSize);
                List<String> out = new ArrayList<>();
                feed(d, oddBuffer(r, c.stream, 0, cut), out);
                feed(d, oddBuffer(r, c.stream, cut, c.stream.length), out);
                assertEquals(c.frames, out, "seed " + seed + " cut at " + cut);
                assertEquals(0, d.finish());
            }
            // and every boundary at once: one byte per read
            FrameDecoder d = decoder(framing, maxFrame, fixedSize);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < c.stream.length; i++) {
                feed(d, oddBuffer(r, c.stream, i, i + 1), out);
            }
            assertEquals(c.frames, out, "seed " + seed + " byte by byte");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINE, 0", "LENGTH, 0", "FIXED, 9"})
    void truncatedStreamLeavesExactlyThePartialFrame(Framing framing, int fixedSize) throws FramingException {
        Random r = new Random(7);
        for (int round = 0; round < 200; round++) {
            Case c = randomCase(r, framing, 50, fixedSize, 1 + r.nextInt(20), true);
            // cut inside the last frame's encoding: every frame before it decodes, the rest is dropped
            int lastLength = c.frames.get(c.frames.size() - 1).length()
                    + (framing == Framing.LINE ? 1 : framing == Framing.LENGTH ? 4 : 0);
            int keep = c.stream.length - 1 - r.nextInt(lastLength);
            byte[] truncated = Arrays.copyOf(c.stream, keep);
            FrameDecoder d = decoder(framing, 50, fixedSize);
            List<String> out = new ArrayList<>();
            feed(d, truncated, out);
            assertEquals(c.frames.subList(0, c.frames.size() - 1), out, "round " + round);
            assertEquals(keep - (c.stream.length - lastLength), d.finish(), "round " + round);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINE", "LENGTH"})
    void anyFrameOverTheLimitFailsHoweverItIsCut(Framing framing) {
        Random r = new Random(11);
        for (int round = 0; round < 300; round++) {
            int maxFrame = 2 + r.nextInt(30);
            byte[] big = new byte[maxFrame + 1 + r.nextInt(5)];
            Arrays.fill(big, (byte) 'z');
            ByteArrayOutputStream s = new ByteArrayOutputStream();
            writeByHand(r, framing, Streams.bytes("ok"), s);
            writeByHand(r, framing, big, s);
            byte[] stream = s.toByteArray();
            FrameDecoder d = decoder(framing, maxFrame, 0);
            List<String> out = new ArrayList<>();
            int cut = r.nextInt(stream.length + 1);
            assertThrows(FrameTooLargeException.class, () -> {
                feed(d, oddBuffer(r, stream, 0, cut), out);
                feed(d, oddBuffer(r, stream, cut, stream.length), out);
            }, "round " + round);
            assertEquals(List.of("ok"), out, "the frame before the oversized one is delivered");
        }
    }
}
