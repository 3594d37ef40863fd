package dev.forkd.worker.evented;

import dev.forkd.worker.common.Protocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayDeque;

/**
 * A connection's replies that the kernel has not taken yet, in an event-loop worker. Bounded
 * twice: above {@link #highWater} the loop stops reading the connection (backpressure: a client
 * that does not read its replies stops being read), and a reply that would take it past
 * {@link #hardCap} fails, which closes the connection (a handler that writes far more than it
 * reads, to a client that does not read). Holds copies, so a handler may reuse its buffers.
 */
final class Outbound {
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private final long highWater;
    private final long hardCap;
    private long bytes;

    Outbound(long highWater, long hardCap) {
        if (highWater < 1 || hardCap < highWater) {
            throw new IllegalArgumentException("high water " + highWater + ", cap " + hardCap);
        }
        this.highWater = highWater;
        this.hardCap = hardCap;
    }

    /** The bounds for a worker: stop reading past 64 KiB or 4 read buffers; fail a reply past that plus 4 of the largest frames. */
    static Outbound forProtocol(Protocol p) {
        long high = Math.max(64 * 1024, 4L * p.bufferSize());
        return new Outbound(high, high + 4L * (Math.max(p.maxFrame(), p.bufferSize()) + 8));
    }

    boolean isEmpty() {
        return bytes == 0;
    }

    long bytes() {
        return bytes;
    }

    /** Reading should stop until the client takes some of its replies. */
    boolean aboveHighWater() {
        return bytes > highWater;
    }

    /** Bytes that may still be queued before the high-water mark; zero or less when above it. */
    long room() {
        return highWater - bytes;
    }

    /** Reading may resume: half the high-water mark, so that it does not flap on every write. */
    boolean belowLowWater() {
        return bytes <= highWater / 2;
    }

    /**
     * Queues what is left of {@code parts} (copied into one buffer).
     *
     * @throws CapExceeded when that would pass the cap; nothing is queued then
     */
    void add(ByteBuffer[] parts) throws IOException {
        long n = 0;
        for (ByteBuffer p : parts) {
            n += p.remaining();
        }
        if (n == 0) {
            return;
        }
        if (bytes + n > hardCap) {
            throw new CapExceeded("reply of " + n + " bytes refused: " + bytes + " bytes already wait for the client to read them (cap "
                    + hardCap + ")");
        }
        ByteBuffer copy = ByteBuffer.allocate((int) n);
        for (ByteBuffer p : parts) {
            copy.put(p);
        }
        queue.add(copy.flip());
        bytes += n;
    }

    /** The cap refused a reply: the connection must close. */
    static final class CapExceeded extends IOException {
        CapExceeded(String message) {
            super(message);
        }
    }

    /**
     * Sends {@code parts}: written at once where nothing waits before them (the common case, with no
     * copy), and what the channel does not take queued behind.
     *
     * @return true when something now waits for the channel
     * @throws CapExceeded when queueing would pass the cap; nothing is queued then
     */
    boolean send(GatheringByteChannel channel, ByteBuffer[] parts) throws IOException {
        if (isEmpty()) {
            channel.write(parts);
        }
        add(parts);
        return !isEmpty();
    }

    /** Writes as much as the channel takes now; true when nothing is left. */
    boolean flush(GatheringByteChannel channel) throws IOException {
        while (!queue.isEmpty()) {
            ByteBuffer[] all = queue.toArray(new ByteBuffer[0]);
            long wrote = channel.write(all);
            bytes -= wrote;
            while (!queue.isEmpty() && !queue.peek().hasRemaining()) {
                queue.poll();
            }
            if (wrote == 0) {
                return false;
            }
        }
        return true;
    }

    /** Drops everything (the connection is gone). */
    void clear() {
        queue.clear();
        bytes = 0;
    }
}
