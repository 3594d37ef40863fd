package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/**
 * A 4-byte big-endian unsigned length, then that many bytes (Python's {@code struct.pack('!I', n)}).
 * The length is checked against the limit before anything is allocated for the payload.
 */
final class LengthDecoder implements FrameDecoder {
    private static final int PREFIX = 4;

    private final int maxFrame;
    private final Accumulator partial;
    /** Prefix bytes seen so far when the prefix itself was split across reads. */
    private int prefixHave;
    private int prefix;
    /** The payload length being read, or -1 while reading a prefix. */
    private long length = -1;

    LengthDecoder(int maxFrame) {
        this.maxFrame = maxFrame;
        this.partial = new Accumulator(maxFrame);
    }

    @Override
    public <X extends Exception> void decode(ByteBuffer in, FrameSink<X> sink) throws FrameTooLargeException, X {
        while (true) {
            if (length < 0) {
                // byte by byte, not getInt(): that would follow the caller's buffer byte order
                while (prefixHave < PREFIX && in.hasRemaining()) {
                    prefix = (prefix << 8) | (in.get() & 0xFF);
                    prefixHave++;
                }
                if (prefixHave < PREFIX) {
                    return;
                }
                length = Integer.toUnsignedLong(prefix);
                prefixHave = 0;
                prefix = 0;
                if (length > maxFrame) {
                    throw new FrameTooLargeException("frame of " + length + " bytes exceeds the limit of " + maxFrame, maxFrame);
                }
            }
            int len = (int) length;
            int start = in.position();
            if (partial.size() == 0 && in.remaining() >= len) {
                in.position(start + len);
                length = -1;
                sink.onFrame(in.slice(start, len));
                continue;
            }
            int n = Math.min(len - partial.size(), in.remaining());
            partial.append(in, start, n);
            in.position(start + n);
            if (partial.size() < len) {
                return;
            }
            length = -1;
            sink.onFrame(partial.take(len));
        }
    }

    /** For tests: the memory held for a partial frame. */
    int bufferCapacity() {
        return partial.capacity();
    }

    @Override
    public int finish() {
        int dropped = length >= 0 ? PREFIX + partial.reset() : prefixHave;
        length = -1;
        prefixHave = 0;
        prefix = 0;
        return dropped;
    }
}
