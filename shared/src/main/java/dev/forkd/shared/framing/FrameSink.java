package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/**
 * Receives decoded frames. The exception type is a parameter so that {@link FrameDecoder#decode}
 * rethrows what the sink throws unchanged and precisely: a sink that throws nothing checked
 * leaves the caller with only {@link FramingException} to handle.
 *
 * @param <X> what {@link #onFrame} may throw
 */
@FunctionalInterface
public interface FrameSink<X extends Exception> {
    /**
     * One complete frame, from its position to its limit. It is only valid during the call: it
     * may be a view of the caller's input buffer or of the decoder's own, both reused later.
     */
    void onFrame(ByteBuffer frame) throws X;
}
