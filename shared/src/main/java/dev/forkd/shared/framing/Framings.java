package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/** Makes the decoder and encoder for a {@link Framing}. */
public final class Framings {
    private static final ByteBuffer NEWLINE = ByteBuffer.wrap(new byte[] {'\n'}).asReadOnlyBuffer();

    private Framings() {
    }

    /**
     * A decoder for one connection.
     *
     * @param maxFrame the largest frame accepted, in bytes (for LINE: without its terminator; for
     *     JSON: the value without the whitespace around it); ignored by RAW, whose frames are
     *     bounded by the read buffer
     * @param fixedSize the record size for FIXED; ignored otherwise
     * @throws IllegalArgumentException if {@code maxFrame} or (for FIXED) {@code fixedSize} is not positive
     */
    public static FrameDecoder decoder(Framing framing, int maxFrame, int fixedSize) {
        if (maxFrame < 1) {
            throw new IllegalArgumentException("the frame limit must be positive, not " + maxFrame);
        }
        switch (framing) {
            case RAW:
                return new RawDecoder();
            case LINE:
                return new LineDecoder(maxFrame);
            case LENGTH:
                return new LengthDecoder(maxFrame);
            case FIXED:
                return new FixedDecoder(checkFixedSize(fixedSize));
            case JSON:
                return new JsonDecoder(maxFrame);
            default:
                throw new AssertionError(framing);
        }
    }

    /**
     * An encoder; stateless, so it may be shared.
     *
     * @param fixedSize the record size for FIXED, which only encodes payloads of exactly that size; ignored otherwise
     */
    public static FrameEncoder encoder(Framing framing, int fixedSize) {
        switch (framing) {
            case RAW:
                return payload -> new ByteBuffer[] {payload};
            case LINE:
            case JSON:
                // JSON replies as NDJSON: line-oriented clients read them too, JSON stream parsers skip the newline
                return payload -> new ByteBuffer[] {payload, NEWLINE.duplicate()};
            case LENGTH:
                return payload -> new ByteBuffer[] {ByteBuffer.allocate(4).putInt(payload.remaining()).flip(), payload};
            case FIXED:
                int size = checkFixedSize(fixedSize);
                return payload -> {
                    if (payload.remaining() != size) {
                        throw new IllegalArgumentException("a fixed-size record must be " + size + " bytes, not " + payload.remaining());
                    }
                    return new ByteBuffer[] {payload};
                };
            default:
                throw new AssertionError(framing);
        }
    }

    /** The deepest nesting of arrays and objects a JSON decoder accepts. */
    public static int jsonMaxDepth() {
        return JsonDecoder.MAX_DEPTH;
    }

    private static int checkFixedSize(int fixedSize) {
        if (fixedSize < 1) {
            throw new IllegalArgumentException("the record size for fixed framing must be positive, not " + fixedSize);
        }
        return fixedSize;
    }
}
