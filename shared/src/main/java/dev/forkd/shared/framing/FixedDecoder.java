package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/** Records of exactly {@code size} bytes. */
final class FixedDecoder implements FrameDecoder {
    private final int size;
    private final Accumulator partial;

    FixedDecoder(int size) {
        this.size = size;
        this.partial = new Accumulator(size);
    }

    @Override
    public <X extends Exception> void decode(ByteBuffer in, FrameSink<X> sink) throws X {
        while (in.hasRemaining()) {
            int start = in.position();
            if (partial.size() == 0 && in.remaining() >= size) {
                in.position(start + size);
                sink.onFrame(in.slice(start, size));
                continue;
            }
            int n = Math.min(size - partial.size(), in.remaining());
            partial.append(in, start, n);
            in.position(start + n);
            if (partial.size() < size) {
                return;
            }
            sink.onFrame(partial.take(size));
        }
    }

    @Override
    public int finish() {
        return partial.reset();
    }
}
