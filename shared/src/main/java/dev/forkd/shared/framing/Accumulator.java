package dev.forkd.shared.framing;

import java.nio.ByteBuffer;

/**
 * The bytes of one frame that arrived over several reads. Grows with what actually arrives (not
 * with what a length prefix announces), never past its cap.
 */
final class Accumulator {
    private static final int INITIAL = 256;
    /** After a frame bigger than this, drop the buffer: an idle connection should not hold a large one. */
    private static final int KEEP = 8192;

    private final int cap;
    /** In write mode: position is the number of bytes held. Null until needed. */
    private ByteBuffer buf;

    Accumulator(int cap) {
        this.cap = cap;
    }

    int size() {
        return buf == null ? 0 : buf.position();
    }

    int capacity() {
        return buf == null ? 0 : buf.capacity();
    }

    /** The last byte held; only when {@link #size} is positive. */
    byte last() {
        return buf.get(buf.position() - 1);
    }

    /** The byte at {@code index}, which is below {@link #size}. */
    byte get(int index) {
        return buf.get(index);
    }

    /** Appends {@code n} bytes of {@code src} from absolute index {@code from}; the caller keeps {@link #size} within the cap. */
    void append(ByteBuffer src, int from, int n) {
        int needed = size() + n;
        if (needed > cap) {
            throw new IllegalStateException("accumulating " + needed + " bytes over the cap of " + cap);
        }
        if (buf == null || needed > buf.capacity()) {
            long grown = Math.max(INITIAL, buf == null ? 0 : 2L * buf.capacity());
            ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(cap, Math.max(needed, grown)));
            if (buf != null) {
                bigger.put(buf.flip());
            }
            buf = bigger;
        }
        buf.put(buf.position(), src, from, n);
        buf.position(needed);
    }

    /** The first {@code len} bytes held, as a frame valid until the next append; empties the accumulator. */
    ByteBuffer take(int len) {
        ByteBuffer frame = buf.slice(0, len);
        reset();
        return frame;
    }

    /** Empties the accumulator; returns how many bytes it dropped. */
    int reset() {
        int dropped = size();
        if (buf != null && buf.capacity() > KEEP) {
            buf = null;
        } else if (buf != null) {
            buf.clear();
        }
        return dropped;
    }
}
