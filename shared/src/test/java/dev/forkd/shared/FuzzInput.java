package dev.forkd.shared;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the fuzz tests read a fuzzer's byte string: a small header that chooses how the bytes
 * arrive, then the bytes themselves. Kept plain so that seed files can be written by hand:
 *
 * <pre>
 * byte 0      flags: see the FLAG_ constants
 * byte 1      a parameter of the target (FramingFuzz: the frame limit or record size)
 * byte 2      k, the number of read sizes (low 4 bits)
 * bytes 3..   k read sizes, 0 to 255 each, used in a cycle: the stream arrives in reads of
 *             these sizes (a 0 is an empty read); none or all zero: one read of everything
 * the rest    the payload: the bytes on the wire
 * </pre>
 */
public final class FuzzInput {
    /** The reads are direct buffers. */
    public static final int FLAG_DIRECT = 1;
    /** The reads are little-endian buffers: a decoder must not let the buffer's order change the wire format. */
    public static final int FLAG_LITTLE_ENDIAN = 2;
    /** The reads sit inside a larger buffer, other bytes before their position and after their limit. */
    public static final int FLAG_PADDED = 4;
    /** The reads are read-only buffers. */
    public static final int FLAG_READ_ONLY = 8;
    /** (Framing) the sink throws on every third frame and the caller resumes with what is left. */
    public static final int FLAG_SINK_THROWS = 16;

    public static final int HEADER = 3;
    /** What surrounds a padded read: bytes that would look like terminators, signatures and huge lengths. */
    private static final byte[] JUNK = {'\n', '\r', (byte) 0xFF, 'P', 0x0D, 0x0A, 0x00, (byte) 0x80};

    private final int flags;
    private final int param;
    private final int[] reads;
    private final byte[] payload;
    private ByteBuffer backing;
    private int padding;

    private FuzzInput(int flags, int param, int[] reads, byte[] payload) {
        this.flags = flags;
        this.param = param;
        this.reads = reads;
        this.payload = payload;
    }

    public static FuzzInput parse(byte[] data) {
        int flags = data.length > 0 ? data[0] & 0xFF : 0;
        int param = data.length > 1 ? data[1] & 0xFF : 0;
        int k = data.length > 2 ? data[2] & 0x0F : 0;
        int from = Math.min(data.length, HEADER + k);
        int[] reads = new int[Math.max(0, from - HEADER)];
        for (int i = 0; i < reads.length; i++) {
            reads[i] = data[HEADER + i] & 0xFF;
        }
        return new FuzzInput(flags, param, reads, Arrays.copyOfRange(data, from, data.length));
    }

    public int flags() {
        return flags;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public int param() {
        return param;
    }

    public byte[] payload() {
        return payload;
    }

    /** The reads as [from, to) offsets into the payload, in order; empty reads included. */
    public List<int[]> chunks() {
        List<int[]> out = new ArrayList<>();
        int n = payload.length;
        if (Arrays.stream(reads).allMatch(r -> r == 0)) {
            out.add(new int[] {0, n});
            return out;
        }
        int at = 0;
        for (int i = 0; at < n; i = (i + 1) % reads.length) {
            int to = Math.min(n, at + reads[i]);
            out.add(new int[] {at, to});
            at = to;
        }
        if (out.isEmpty()) {
            out.add(new int[] {0, 0});
        }
        return out;
    }

    /** The size of the i-th read in the cycle, never 0: for streams, where a read of 0 bytes means nothing arrived yet. */
    public int streamRead(int i) {
        if (Arrays.stream(reads).allMatch(r -> r == 0)) {
            return Integer.MAX_VALUE;
        }
        int r = reads[i % reads.length];
        return Math.max(1, r);
    }

    /**
     * {@code payload[from, to)} as a buffer laid out as the flags say; its position and limit frame
     * exactly those bytes. All reads of one input share one backing buffer (allocating a direct
     * buffer per read would be slow): padded, a read sees the neighbouring payload bytes and the
     * junk at either end beyond its limits, as a decoder reading past them would.
     */
    public ByteBuffer buffer(int from, int to) {
        if (backing == null) {
            int pad = has(FLAG_PADDED) ? 1 + (param % 7) : 0;
            int cap = pad + payload.length + pad;
            ByteBuffer b = has(FLAG_DIRECT) ? ByteBuffer.allocateDirect(cap) : ByteBuffer.allocate(cap);
            for (int i = 0; i < pad; i++) {
                b.put(i, JUNK[i % JUNK.length]);
                b.put(cap - 1 - i, JUNK[i % JUNK.length]);
            }
            b.put(pad, payload);
            backing = b;
            padding = pad;
        }
        ByteBuffer b;
        if (padding > 0) {
            b = backing.duplicate();
            b.limit(padding + to).position(padding + from);
        } else {
            b = backing.slice(from, to - from);
        }
        if (has(FLAG_READ_ONLY)) {
            b = b.asReadOnlyBuffer();
        }
        return b.order(has(FLAG_LITTLE_ENDIAN) ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    }

    /** Bytes allocated so far by the current thread, or -1 where the JVM cannot tell. */
    public static long allocatedBytes() {
        return ALLOCATION == null ? -1 : ALLOCATION.getCurrentThreadAllocatedBytes();
    }

    private static final com.sun.management.ThreadMXBean ALLOCATION = allocationBean();

    private static com.sun.management.ThreadMXBean allocationBean() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (bean instanceof com.sun.management.ThreadMXBean) {
            com.sun.management.ThreadMXBean b = (com.sun.management.ThreadMXBean) bean;
            if (b.isThreadAllocatedMemorySupported() && b.isThreadAllocatedMemoryEnabled()) {
                return b;
            }
        }
        return null;
    }

    /** A seed in this format, for writing corpus files. */
    public static byte[] seed(int flags, int param, int[] reads, byte[] payload) {
        byte[] out = new byte[HEADER + reads.length + payload.length];
        out[0] = (byte) flags;
        out[1] = (byte) param;
        out[2] = (byte) reads.length;
        for (int i = 0; i < reads.length; i++) {
            out[HEADER + i] = (byte) reads[i];
        }
        System.arraycopy(payload, 0, out, HEADER + reads.length, payload.length);
        return out;
    }
}
