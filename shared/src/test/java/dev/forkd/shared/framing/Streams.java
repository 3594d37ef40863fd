package dev.forkd.shared.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test helpers: feed byte arrays to decoders in chunks, collect frames as comparable strings. */
final class Streams {
    private Streams() {
    }

    /** Latin-1 maps every byte to one char, so frames compare (and print) byte for byte. */
    static String str(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    static String str(byte[] a) {
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static List<String> strs(List<byte[]> frames) {
        List<String> out = new ArrayList<>();
        for (byte[] f : frames) {
            out.add(str(f));
        }
        return out;
    }

    /** Feeds one chunk, copying each frame (it is only valid during the call); checks all input was consumed. */
    static void feed(FrameDecoder d, ByteBuffer chunk, List<String> out) throws FramingException {
        d.decode(chunk, f -> out.add(str(f)));
        assertEquals(chunk.limit(), chunk.position(), "decode must consume its whole input");
    }

    static void feed(FrameDecoder d, byte[] chunk, List<String> out) throws FramingException {
        feed(d, ByteBuffer.wrap(chunk), out);
    }

    /** Decodes {@code stream} cut at the given ascending offsets. */
    static List<String> decode(FrameDecoder d, byte[] stream, int... cuts) throws FramingException {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            feed(d, ByteBuffer.wrap(stream, from, cut - from), out);
            from = cut;
        }
        feed(d, ByteBuffer.wrap(stream, from, stream.length - from), out);
        return out;
    }

    /**
     * {@code data[from, to)} in a buffer whose layout varies: plain, with a non-zero position and
     * array offset (a slice of a larger array), or direct. Decoders must index relative to position.
     */
    static ByteBuffer oddBuffer(Random r, byte[] data, int from, int to) {
        int n = to - from;
        switch (r.nextInt(3)) {
            case 0:
                return ByteBuffer.wrap(data, from, n);
            case 1: {
                int pad = 1 + r.nextInt(5);
                byte[] big = new byte[pad + n + pad + 3];
                r.nextBytes(big);
                System.arraycopy(data, from, big, pad + 3, n);
                ByteBuffer b = ByteBuffer.wrap(big, 2, big.length - 2).slice(); // arrayOffset 2
                b.position(pad + 1).limit(pad + 1 + n);
                return b;
            }
            default: {
                ByteBuffer b = ByteBuffer.allocateDirect(n + 2);
                b.position(1);
                b.put(data, from, n);
                b.flip().position(1);
                return b;
            }
        }
    }

    static byte[] concat(List<ByteBuffer[]> encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer[] parts : encoded) {
            for (ByteBuffer p : parts) {
                byte[] a = new byte[p.remaining()];
                p.get(a);
                out.writeBytes(a);
            }
        }
        return out.toByteArray();
    }
}
