package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/**
 * {@code \n}-terminated lines, a {@code \r} before the {@code \n} dropped; the terminator is not
 * part of the frame. A line longer than the limit fails as soon as that is certain, so a client
 * that never sends a newline costs at most the limit in memory.
 */
final class LineDecoder implements FrameDecoder {
    private final int maxFrame;
    /** Room for one more byte than the limit: a trailing {@code \r} whose {@code \n} has not arrived yet. */
    private final Accumulator partial;

    LineDecoder(int maxFrame) {
        this.maxFrame = maxFrame;
        this.partial = new Accumulator((int) Math.min(maxFrame + 1L, Integer.MAX_VALUE));
    }

    @Override
    public <X extends Exception> void decode(ByteBuffer in, FrameSink<X> sink) throws FrameTooLargeException, X {
        while (in.hasRemaining()) {
            int start = in.position();
            int have = partial.size();
            // a line is at most maxFrame bytes, then '\r', then '\n': never scan further than that
            int end = (int) Math.min(in.limit(), start + (long) maxFrame + 2 - have);
            int nl = indexOf(in, start, end, (byte) '\n');
            if (nl < 0) {
                long total = (long) have + (end - start);
                if (total > maxFrame + 1L || (total == maxFrame + 1L && in.get(end - 1) != '\r')) {
                    throw tooLarge();
                }
                partial.append(in, start, end - start);
                in.position(end);
                return;
            }
            int len = nl - start;
            boolean cr = len > 0 ? in.get(nl - 1) == '\r' : have > 0 && partial.last() == '\r';
            long content = (long) have + len - (cr ? 1 : 0);
            if (content > maxFrame) {
                throw tooLarge();
            }
            in.position(nl + 1);
            ByteBuffer frame;
            if (have == 0) {
                frame = in.slice(start, (int) content);
            } else {
                partial.append(in, start, len);
                frame = partial.take((int) content);
            }
            sink.onFrame(frame);
        }
    }

    @Override
    public int finish() {
        return partial.reset();
    }

    /** For tests: the memory held for a partial line. */
    int bufferCapacity() {
        return partial.capacity();
    }

    private FrameTooLargeException tooLarge() {
        return new FrameTooLargeException("line longer than the limit of " + maxFrame + " bytes", maxFrame);
    }

    private static int indexOf(ByteBuffer b, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (b.get(i) == value) {
                return i;
            }
        }
        return -1;
    }
}
