package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/**
 * Cuts a byte stream into frames. One instance per connection: it keeps the partial frame
 * between calls, so frames may be split over any number of reads. Not thread-safe.
 */
public interface FrameDecoder {
    /**
     * Consumes all of {@code in} (its position ends at its limit) and passes each frame completed
     * by these bytes to {@code sink}, in order. Frames wholly inside {@code in} are delivered as
     * views of it, without copying; only a frame split across calls is accumulated internally,
     * and never beyond the frame limit.
     *
     * <p>The input position is advanced past a frame before that frame is passed to the sink, so
     * that if the sink throws, everything up to and including that frame counts as consumed.
     * After a {@link FramingException} the stream is unusable: close the connection.
     *
     * @throws FrameTooLargeException as soon as the bytes seen show a frame over the limit
     * @throws FramingException when the bytes cannot be framed
     * @throws X whatever the sink throws, unchanged
     */
    <X extends Exception> void decode(ByteBuffer in, FrameSink<X> sink) throws FramingException, X;

    /**
     * At end of stream: drops any partial frame and returns how many bytes it held (for logging).
     * The decoder is then back at the start of a frame.
     */
    int finish();

    /**
     * At end of stream: passes to {@code sink} a last frame that only the end completes (in JSON
     * framing, a top-level number, which has no end of its own), then drops any partial frame as
     * {@link #finish()} does and returns how many bytes it held.
     *
     * @throws X whatever the sink throws, unchanged; the decoder is back at the start of a frame all the same
     */
    default <X extends Exception> int finish(FrameSink<X> sink) throws X {
        return finish();
    }
}
