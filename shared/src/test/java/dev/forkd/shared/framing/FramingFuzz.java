package dev.forkd.shared.framing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.forkd.shared.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The harness behind the fuzz tests of the raw, line, length and fixed framings (json: {@link
 * JsonFramingFuzz}). It feeds the payload to a decoder in the
 * input's read sizes and buffer layouts, many decode calls and then finish(), and checks:
 *
 * <ul>
 *   <li>only {@link FrameTooLargeException} escapes, and exactly in the read whose bytes first
 *       show a frame over the limit ("as soon as the bytes seen show it");
 *   <li>every frame is within the limit (LINE, LENGTH), exactly the record size (FIXED), exactly
 *       the read (RAW);
 *   <li>the frames are those of a plain reference model written here, and re-encoded they give
 *       back the input (LINE: less the CR of each CRLF); finish() reports the leftover bytes;
 *   <li>every decode call consumes its whole input and leaves the limit alone; a sink that throws
 *       gets its exception back unchanged and the caller can go on with what is left;
 *   <li>memory: the decoder's buffer never exceeds the frame limit (LINE, LENGTH), and one decode
 *       call allocates at most about twice the limit plus a little per frame (measured with the
 *       thread's allocation counter), never anything like what a length prefix announces.
 * </ul>
 *
 * <p>The parameter byte of {@link FuzzInput} is the frame limit for LINE and LENGTH (0 means
 * 1024) and the record size for FIXED (0 means 16).
 */
final class FramingFuzz {
    static final int DEFAULT_MAX_FRAME = 1024;
    static final int DEFAULT_FIXED_SIZE = 16;
    /** Per decode call: what one frame's view may cost (a ByteBuffer object), and a constant for the rest. */
    private static final long PER_FRAME = 192;
    private static final long SLACK = 4096;

    private static volatile boolean warm;

    private FramingFuzz() {
    }

    /** What the stream should decode to. */
    record Model(List<byte[]> frames, int failAt, int leftover) {
    }

    static void run(Framing framing, byte[] data) {
        if (!warm) {
            warmUp();
        }
        // parsed afresh for each run: an input holds the buffers of its reads
        AllocationBound.twice(() -> check(framing, FuzzInput.parse(data), true));
    }

    static int maxFrame(FuzzInput in) {
        return in.param() == 0 ? DEFAULT_MAX_FRAME : in.param();
    }

    static int fixedSize(FuzzInput in) {
        return in.param() == 0 ? DEFAULT_FIXED_SIZE : in.param();
    }

    /** Loads and links what the decoders touch, so that class loading does not count as their allocation. */
    private static synchronized void warmUp() {
        if (warm) {
            return;
        }
        byte[] sample = "ab\r\ncd\nx\r".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        try {
            for (Framing f : Framing.values()) {
                if (f == Framing.JSON) {
                    continue; // not modelled here: JsonFramingFuzz has its own harness
                }
                for (int flags = 0; flags < 32; flags++) {
                    for (int param : new int[] {0, 1, 3}) {
                        check(f, FuzzInput.parse(FuzzInput.seed(flags, param, new int[] {2, 0, 1}, sample)), false);
                        check(f, FuzzInput.parse(FuzzInput.seed(flags, param, new int[0], new byte[] {0, 0, 0, 2, 'h', 'i', 0, 0})), false);
                    }
                }
            }
        } catch (AssertionError e) {
            // a broken decoder: leave the report to the input being run, which names itself
        } finally {
            warm = true;
        }
    }

    private static void check(Framing framing, FuzzInput in, boolean measure) {
        byte[] p = in.payload();
        int maxFrame = maxFrame(in);
        int fixedSize = fixedSize(in);
        List<int[]> chunks = in.chunks();
        Model model = model(framing, p, maxFrame, fixedSize, chunks);

        FrameDecoder d = Framings.decoder(framing, framing == Framing.FIXED ? DEFAULT_MAX_FRAME : maxFrame, fixedSize);
        int retainedLimit;
        IntSupplier capacity;
        switch (framing) {
            case LINE:
                retainedLimit = maxFrame + 1;
                capacity = ((LineDecoder) d)::bufferCapacity;
                break;
            case LENGTH:
                retainedLimit = maxFrame;
                capacity = ((LengthDecoder) d)::bufferCapacity;
                break;
            case FIXED:
                retainedLimit = fixedSize;
                capacity = () -> 0;
                break;
            default:
                retainedLimit = 0;
                capacity = () -> 0;
        }
        Recorder sink = new Recorder(framing, maxFrame, fixedSize, p.length + chunks.size() + 1, in.has(FuzzInput.FLAG_SINK_THROWS));

        FramingException failure = null;
        int[] failedIn = null;
        chunks:
        for (int[] c : chunks) {
            ByteBuffer b = in.buffer(c[0], c[1]);
            int limit = b.limit();
            sink.readLength = c[1] - c[0];
            while (true) {
                int framesBefore = sink.count;
                long before = measure ? FuzzInput.allocatedBytes() : -1;
                try {
                    d.decode(b, sink);
                } catch (FramingException e) {
                    failure = e;
                    failedIn = c;
                    break chunks;
                } catch (SinkException e) {
                    assertSame(SinkException.INSTANCE, e, "the sink's exception must come back unchanged");
                    checkAllocation(before, retainedLimit, sink.count - framesBefore);
                    assertEquals(limit, b.limit(), "decode moved the limit");
                    assertTrue(b.position() <= limit);
                    continue; // the caller goes on with what is left of the read
                }
                checkAllocation(before, retainedLimit, sink.count - framesBefore);
                assertEquals(limit, b.limit(), "decode moved the limit");
                assertEquals(limit, b.position(), "decode must consume its whole input");
                break;
            }
            int held = capacity.getAsInt();
            if (held > retainedLimit) {
                fail(framing + " decoder holds " + held + " bytes, over its limit of " + retainedLimit);
            }
        }

        List<byte[]> frames = sink.frames();
        assertFrames(model.frames(), frames);
        if (model.failAt() >= 0) {
            if (failure == null) {
                fail("a frame over the limit of " + maxFrame + " (certain at byte " + model.failAt() + ") was not refused");
            }
            assertTrue(failure instanceof FrameTooLargeException, "not FrameTooLargeException: " + failure);
            assertEquals(maxFrame, ((FrameTooLargeException) failure).limit());
            assertTrue(failedIn[0] <= model.failAt() && model.failAt() < failedIn[1],
                    "refused in the read [" + failedIn[0] + ", " + failedIn[1] + "), but the bytes first show it at " + model.failAt());
            assertTrue(startsWith(normalised(framing, p, p.length), encode(framing, fixedSize, frames)), "the frames re-encoded are not the input's start");
            return;
        }
        if (failure != null) {
            fail("refused a stream the model accepts", failure);
        }
        assertArrayEquals(normalised(framing, p, p.length - model.leftover()), encode(framing, fixedSize, frames),
                "the frames re-encoded are not the input");
        assertEquals(model.leftover(), d.finish(), "finish() must report the bytes of the partial frame");

        // after finish() the decoder is at the start of a frame again
        byte[] one = new byte[framing == Framing.FIXED ? fixedSize : Math.min(maxFrame, 3)];
        Arrays.fill(one, (byte) 'z');
        List<byte[]> again = new ArrayList<>();
        try {
            d.decode(ByteBuffer.wrap(encode(framing, fixedSize, List.of(one))), f -> again.add(copy(f)));
        } catch (FramingException e) {
            fail("decoder unusable after finish()", e);
        }
        assertFrames(List.of(one), again);
    }

    private static void checkAllocation(long before, int retainedLimit, int frames) {
        if (before < 0) {
            return;
        }
        long used = FuzzInput.allocatedBytes() - before;
        long bound = 2L * retainedLimit + PER_FRAME * (frames + 1) + SLACK;
        AllocationBound.check(used, bound, "one decode call giving " + frames + " frames");
    }

    // ---- the reference model: the framings as DESIGN.md describes them, written as plainly as possible

    static Model model(Framing framing, byte[] p, int maxFrame, int fixedSize, List<int[]> chunks) {
        List<byte[]> frames = new ArrayList<>();
        int n = p.length;
        switch (framing) {
            case RAW:
                for (int[] c : chunks) {
                    if (c[1] > c[0]) {
                        frames.add(Arrays.copyOfRange(p, c[0], c[1]));
                    }
                }
                return new Model(frames, -1, 0);
            case FIXED: {
                int s = 0;
                for (; s + fixedSize <= n; s += fixedSize) {
                    frames.add(Arrays.copyOfRange(p, s, s + fixedSize));
                }
                return new Model(frames, -1, n - s);
            }
            case LENGTH: {
                int s = 0;
                while (true) {
                    if (n - s < 4) {
                        return new Model(frames, -1, n - s);
                    }
                    long len = ((p[s] & 0xFFL) << 24) | ((p[s + 1] & 0xFF) << 16) | ((p[s + 2] & 0xFF) << 8) | (p[s + 3] & 0xFF);
                    if (len > maxFrame) {
                        return new Model(frames, s + 3, 0);
                    }
                    if (n - s - 4 < len) {
                        return new Model(frames, -1, n - s);
                    }
                    frames.add(Arrays.copyOfRange(p, s + 4, s + 4 + (int) len));
                    s += 4 + (int) len;
                }
            }
            case LINE: {
                int s = 0;
                while (true) {
                    int nl = s;
                    while (nl < n && p[nl] != '\n') {
                        nl++;
                    }
                    // the (maxFrame+1)-th byte of the line, if it is not the LF, is over the limit unless
                    // it is a CR followed by the LF (or by nothing yet)
                    int over = s + maxFrame;
                    if (over < nl) {
                        if (p[over] != '\r') {
                            return new Model(frames, over, 0);
                        }
                        if (over + 1 < nl) {
                            return new Model(frames, over + 1, 0);
                        }
                    }
                    if (nl == n) {
                        return new Model(frames, -1, n - s);
                    }
                    int end = nl > s && p[nl - 1] == '\r' ? nl - 1 : nl;
                    frames.add(Arrays.copyOfRange(p, s, end));
                    s = nl + 1;
                }
            }
            default:
                throw new AssertionError(framing);
        }
    }

    /** The input's first {@code n} bytes as the encoder would write back its frames: for LINE, each CRLF becomes LF. */
    private static byte[] normalised(Framing framing, byte[] p, int n) {
        if (framing != Framing.LINE) {
            return Arrays.copyOf(p, n);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
                continue;
            }
            out.write(p[i]);
        }
        return out.toByteArray();
    }

    private static byte[] encode(Framing framing, int fixedSize, List<byte[]> frames) {
        FrameEncoder enc = Framings.encoder(framing, fixedSize);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            for (ByteBuffer part : enc.encode(ByteBuffer.wrap(f))) {
                out.writeBytes(copy(part));
            }
        }
        return out.toByteArray();
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static void assertFrames(List<byte[]> expected, List<byte[]> actual) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            int frame = i;
            assertArrayEquals(expected.get(i), actual.get(i), () -> "frame " + frame);
        }
        assertEquals(expected.size(), actual.size(), "number of frames");
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    /** Thrown by the sink to check that the decoder passes it through; preallocated, so throwing allocates nothing. */
    static final class SinkException extends Exception {
        private static final long serialVersionUID = 1L;
        static final SinkException INSTANCE = new SinkException();

        private SinkException() {
            super("from the sink", null, false, false);
        }
    }

    /** Copies frames into preallocated arrays, so that it allocates nothing while the decoder is measured. */
    private static final class Recorder implements FrameSink<SinkException> {
        private final Framing framing;
        private final int maxFrame;
        private final int fixedSize;
        private final boolean throwing;
        private final byte[] bytes;
        private final int[] ends;
        int count;
        int readLength;

        Recorder(Framing framing, int maxFrame, int fixedSize, int maxFrames, boolean throwing) {
            this.framing = framing;
            this.maxFrame = maxFrame;
            this.fixedSize = fixedSize;
            this.throwing = throwing;
            this.bytes = new byte[maxFrames];
            this.ends = new int[maxFrames];
        }

        @Override
        public void onFrame(ByteBuffer frame) throws SinkException {
            int len = frame.remaining();
            switch (framing) {
                case LINE:
                case LENGTH:
                    if (len > maxFrame) {
                        fail(framing + " frame of " + len + " bytes over the limit of " + maxFrame);
                    }
                    break;
                case FIXED:
                    if (len != fixedSize) {
                        fail("FIXED frame of " + len + " bytes, not " + fixedSize);
                    }
                    break;
                default:
                    if (len == 0 || len != readLength) {
                        fail("RAW frame of " + len + " bytes from a read of " + readLength);
                    }
            }
            int at = count == 0 ? 0 : ends[count - 1];
            if (count == ends.length || at + len > bytes.length) {
                fail("more frames or bytes than the input holds");
            }
            frame.get(frame.position(), bytes, at, len);
            ends[count++] = at + len;
            if (throwing && count % 3 == 0) {
                throw SinkException.INSTANCE;
            }
        }

        List<byte[]> frames() {
            List<byte[]> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                out.add(Arrays.copyOfRange(bytes, i == 0 ? 0 : ends[i - 1], ends[i]));
            }
            return out;
        }
    }
}
