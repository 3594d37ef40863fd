package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/** Each non-empty chunk read is one frame, passed through as is. */
final class RawDecoder implements FrameDecoder {
    @Override
    public <X extends Exception> void decode(ByteBuffer in, FrameSink<X> sink) throws X {
        if (!in.hasRemaining()) {
            return;
        }
        ByteBuffer frame = in.slice();
        in.position(in.limit());
        sink.onFrame(frame);
    }

    @Override
    public int finish() {
        return 0;
    }
}
