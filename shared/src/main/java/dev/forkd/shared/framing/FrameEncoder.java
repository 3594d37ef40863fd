package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/** Frames one outgoing message. */
@FunctionalInterface
public interface FrameEncoder {
    /**
     * The buffers to write, in order, for one message: suited to a gathering write. The payload
     * itself is one of them, not copied, so writing them advances its position.
     *
     * @throws IllegalArgumentException if the payload cannot be framed (a FIXED record of the wrong size)
     */
    ByteBuffer[] encode(ByteBuffer payload);
}
