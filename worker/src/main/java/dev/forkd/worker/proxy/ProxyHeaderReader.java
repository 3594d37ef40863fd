package dev.forkd.worker.proxy;

import dev.forkd.worker.common.WorkerLog;
import dev.forkd.shared.ProxyHeader;
import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxyV2;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads the PROXY v2 header that starts every relayed stream, over as many reads as it takes (a
 * blocking connection calls {@link #read} until it has a header, an event loop once per
 * readiness); the client bytes that came in the same reads are kept for the framing decoder.
 */
public final class ProxyHeaderReader {
    /** In write mode while reading; after a header, in read mode with the bytes that followed it. */
    private ByteBuffer buf;

    public ProxyHeaderReader(ByteBuffer initial) {
        this.buf = initial;
    }

    /**
     * One read.
     *
     * @return the header once complete, else null
     * @throws EOFException when the stream ends before the header does
     * @throws ProxyProtocolException when the bytes are not a valid header
     */
    public ProxyHeader read(ReadableByteChannel channel) throws IOException, ProxyProtocolException {
        if (!buf.hasRemaining()) {
            // a header with TLVs larger than the buffer: grow once, to the protocol's bound
            ByteBuffer bigger = ByteBuffer.allocate(ProxyV2.MAX_LENGTH);
            bigger.put(buf.flip());
            buf = bigger;
        }
        if (channel.read(buf) < 0) {
            throw new EOFException("closed before its PROXY header was complete");
        }
        buf.flip();
        ProxyHeader h = ProxyV2.decode(buf);
        if (h == null) {
            buf.compact();
        }
        return h;
    }

    /** A whole header and the client bytes that came in the same reads (in read mode). */
    public record Read(ProxyHeader header, ByteBuffer rest) {
    }

    /**
     * Reads a whole header from a blocking channel into {@code buf} (grown if the header needs it).
     *
     * @return the header and what followed it, or null (logged, naming the connection) when the
     *     stream ended before the header did or the header is invalid: the caller closes it
     */
    public static Read readBlocking(ReadableByteChannel channel, ByteBuffer buf, long connectionId) throws IOException {
        ProxyHeaderReader reader = new ProxyHeaderReader(buf);
        try {
            ProxyHeader h;
            while ((h = reader.read(channel)) == null) {
                // blocking reads: the next one brings more of the header
            }
            return new Read(h, reader.rest());
        } catch (EOFException e) {
            WorkerLog.warn("connection {}: {}", connectionId, e.getMessage());
        } catch (ProxyProtocolException e) {
            WorkerLog.warn("connection {}: invalid PROXY header, closing: {}", connectionId, e.getMessage());
        }
        return null;
    }

    /** After {@link #read} returned a header: the client bytes that followed it (the buffer, perhaps grown), in read mode. */
    public ByteBuffer rest() {
        return buf;
    }
}
