package dev.forkd.shared.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.forkd.shared.FuzzInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The harness behind {@link JsonFramingFuzzTest}. There is no plain model of JSON to compare
 * with, so the decoder is checked against itself and against Jackson's blocking parser:
 *
 * <ul>
 *   <li>only {@link FramingException} escapes, whatever the bytes;
 *   <li>the reads (sizes, buffer layouts, a sink that throws and a caller that resumes) change
 *       nothing: the same frames, the same failure or none, the same end of stream as when the
 *       whole payload arrives in one read;
 *   <li>each frame is exactly one valid JSON value to the blocking parser, within the limit, and
 *       the frames are the payload's own bytes in order with only JSON whitespace between them;
 *   <li>every decode call consumes its input and leaves the limit alone; the decoder never holds
 *       more than the limit, and one call allocates in proportion to its read, not more;
 *   <li>after finish() the decoder starts afresh.
 * </ul>
 *
 * <p>The parameter byte of {@link FuzzInput} is the frame limit (0 means 1024).
 */
final class JsonFramingFuzz {
    static final int DEFAULT_MAX_FRAME = 1024;
    private static final long PER_READ_BYTE = 48;
    private static final long PER_FRAME = 1024;
    private static final long SLACK = 64 * 1024;
    private static final JsonFactory BLOCKING = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonDecoder.MAX_DEPTH).build())
            .build();

    private static volatile boolean warm;

    private JsonFramingFuzz() {
    }

    /** How a stream decoded: its frames, whether it failed, and (if not) what finish(sink) gave. */
    record Outcome(List<byte[]> frames, FramingException failure, byte[] last, int dropped) {
    }

    static void run(byte[] data) {
        if (!warm) {
            warmUp();
        }
        AllocationBound.twice(() -> check(FuzzInput.parse(data)));
    }

    private static void check(FuzzInput in) {
        int maxFrame = maxFrame(in);
        Outcome whole = decodeInOneRead(in);
        Outcome split = decodeInReads(in, true);
        assertSameOutcome(whole, split);
        checkFrames(in.payload(), maxFrame, split.frames(), split.last());
    }

    /** Loads and links what decoding touches (Jackson's paths, its exceptions), so that class loading does not count as allocation. */
    private static synchronized void warmUp() {
        String[] samples = {"{\"a\":[1,\"x\\u00e9\",true,null,false,-1.5e3]} 2 \"s\" {", "{\"a\" 1}", "[1,]", "{\"k\":}", "tru", "1.",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "\"\u0001\"", "\uFEFF{}", "01", "\"" + "x".repeat(300)};
        try {
            for (String sample : samples) {
                for (int flags = 0; flags < 32; flags++) {
                    for (int[] reads : new int[][] {{}, {1}, {3, 1}}) {
                        decodeInReads(FuzzInput.parse(FuzzInput.seed(flags, 0, reads, sample.getBytes(java.nio.charset.StandardCharsets.UTF_8))), false);
                    }
                }
            }
        } catch (AssertionError e) {
            // a broken decoder: leave the report to the input being run, which names itself
        } finally {
            warm = true;
        }
    }

    static int maxFrame(FuzzInput in) {
        return in.param() == 0 ? DEFAULT_MAX_FRAME : in.param();
    }

    static Outcome decodeInOneRead(FuzzInput in) {
        FuzzInput one = FuzzInput.parse(FuzzInput.seed(0, in.param(), new int[0], in.payload()));
        return decodeInReads(one, false);
    }

    static Outcome decodeInReads(FuzzInput in, boolean measure) {
        int maxFrame = maxFrame(in);
        JsonDecoder d = (JsonDecoder) Framings.decoder(Framing.JSON, maxFrame, 0);
        boolean throwing = in.has(FuzzInput.FLAG_SINK_THROWS);
        List<byte[]> frames = new ArrayList<>();
        FrameSink<FramingFuzz.SinkException> sink = f -> {
            frames.add(copy(f));
            if (throwing && frames.size() % 3 == 0) {
                throw FramingFuzz.SinkException.INSTANCE;
            }
        };
        for (int[] c : in.chunks()) {
            ByteBuffer b = in.buffer(c[0], c[1]);
            int limit = b.limit();
            while (true) {
                int before = frames.size();
                long allocated = measure ? FuzzInput.allocatedBytes() : -1;
                try {
                    d.decode(b, sink);
                } catch (FramingException e) {
                    assertTrue(d.bufferCapacity() <= maxFrame, "holds " + d.bufferCapacity() + " bytes over the limit of " + maxFrame);
                    return new Outcome(frames, e, null, 0);
                } catch (FramingFuzz.SinkException e) {
                    assertSame(FramingFuzz.SinkException.INSTANCE, e, "the sink's exception must come back unchanged");
                    assertEquals(limit, b.limit(), "decode moved the limit");
                    continue; // the caller goes on with what is left of the read
                } finally {
                    checkAllocation(allocated, maxFrame, c[1] - c[0], frames.size() - before);
                }
                assertEquals(limit, b.limit(), "decode moved the limit");
                assertEquals(limit, b.position(), "decode must consume its whole input");
                break;
            }
            assertTrue(d.bufferCapacity() <= maxFrame, "holds " + d.bufferCapacity() + " bytes over the limit of " + maxFrame);
        }
        List<byte[]> last = new ArrayList<>();
        int dropped = d.finish(f -> last.add(copy(f)));
        assertTrue(last.size() <= 1, "finish delivers at most one value");
        // afterwards the decoder is at the start of a stream again
        List<byte[]> again = new ArrayList<>();
        try {
            d.decode(ByteBuffer.wrap("7\n".getBytes()), f -> again.add(copy(f))); // 1 byte: within any limit
        } catch (FramingException e) {
            fail("decoder unusable after finish()", e);
        }
        assertEquals(1, again.size());
        assertEquals("7", new String(again.get(0)));
        return new Outcome(frames, null, last.isEmpty() ? null : last.get(0), dropped);
    }

    private static void assertSameOutcome(Outcome whole, Outcome split) {
        assertEquals(whole.frames().size(), split.frames().size(), "number of frames, in one read and in several");
        for (int i = 0; i < whole.frames().size(); i++) {
            int n = i;
            assertTrue(Arrays.equals(whole.frames().get(i), split.frames().get(i)), () -> "frame " + n + " differs between one read and several");
        }
        assertEquals(whole.failure() == null, split.failure() == null,
                () -> "one read: " + whole.failure() + "; several: " + split.failure());
        if (whole.failure() == null) {
            assertTrue(Arrays.equals(whole.last(), split.last()), "the value completed by the end of the stream");
            assertEquals(whole.dropped(), split.dropped(), "bytes dropped at the end of the stream");
        }
    }

    /** Each frame: one valid JSON value, within the limit, found in the payload in order with only whitespace between. */
    private static void checkFrames(byte[] payload, int maxFrame, List<byte[]> frames, byte[] last) {
        List<byte[]> all = new ArrayList<>(frames);
        if (last != null) {
            all.add(last);
        }
        int at = 0;
        for (byte[] f : all) {
            assertTrue(f.length >= 1 && f.length <= maxFrame, "a frame of " + f.length + " bytes, limit " + maxFrame);
            while (at < payload.length && isBlank(payload[at])) {
                at++;
            }
            assertTrue(at + f.length <= payload.length && Arrays.equals(payload, at, at + f.length, f, 0, f.length),
                    "frame is not the payload's next value at byte " + at + ": " + new String(f));
            at += f.length;
            assertOneValue(f);
        }
    }

    static void assertOneValue(byte[] frame) {
        try (JsonParser p = BLOCKING.createParser(frame)) {
            JsonToken t = p.nextToken();
            assertTrue(t != null, "empty frame");
            p.skipChildren();
            assertNull(p.nextToken(), "more than one value in a frame: " + new String(frame));
        } catch (IOException e) {
            fail("frame is not valid JSON: " + new String(frame) + ": " + e.getMessage());
        }
    }

    private static void checkAllocation(long before, int maxFrame, int readLength, int frames) {
        if (before < 0) {
            return;
        }
        long used = FuzzInput.allocatedBytes() - before;
        long bound = 2L * maxFrame + PER_READ_BYTE * readLength + PER_FRAME * frames + SLACK;
        AllocationBound.check(used, bound, "one decode call of " + readLength + " bytes giving " + frames + " frames");
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
