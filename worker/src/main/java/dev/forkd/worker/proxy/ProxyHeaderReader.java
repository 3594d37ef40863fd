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
 * blocking connection reads until it has a header, {@link #readBlocking}; an event loop once per
 * readiness, {@link #step}); the client bytes that came in the same reads are kept for the
 * framing decoder.
 */
public final class ProxyHeaderReader {
    /** What one read brought. */
    public enum Step {
        /** Not the whole header yet. */
        MORE,
        /** A header with a client behind it: {@link #header()}, then {@link #rest()}. */
        HEADER,
        /** Close the stream (logged): it ended inside the header, the header is invalid, or it names no client. */
        CLOSE
    }

    /** In write mode while reading; after a header, in read mode with the bytes that followed it. */
    private ByteBuffer buf;
    private ProxyHeader header;

    public ProxyHeaderReader(ByteBuffer initial) {
        this.buf = initial;
    }

    /** A reader whose first buffer is the worker's read buffer, up to the largest header. */
    public static ProxyHeaderReader forBufferSize(int bufferSize) {
        return new ProxyHeaderReader(ByteBuffer.allocate(Math.min(bufferSize, ProxyV2.MAX_LENGTH)));
    }

    /**
     * One read.
     *
     * @return the header once complete, else null
     * @throws EOFException when the stream ends before the header does
     * @throws ProxyProtocolException when the bytes are not a valid header
     */
    ProxyHeader read(ReadableByteChannel channel) throws IOException, ProxyProtocolException {
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

    /** One read, and what it means for the connection; a failure is logged here, naming the connection. */
    public Step step(ReadableByteChannel channel, long connectionId) throws IOException {
        try {
            header = read(channel);
        } catch (EOFException e) {
            WorkerLog.warn("connection {}: {}", connectionId, e.getMessage());
            return Step.CLOSE;
        } catch (ProxyProtocolException e) {
            WorkerLog.warn("connection {}: invalid PROXY header, closing: {}", connectionId, e.getMessage());
            return Step.CLOSE;
        }
        if (header == null) {
            return Step.MORE;
        }
        if (header.local()) {
            // a probe or the worker's own drain wake-up: no client behind it
            WorkerLog.debug("connection {}: LOCAL header, no client; closing", connectionId);
            return Step.CLOSE;
        }
        return Step.HEADER;
    }

    /** After {@link Step#HEADER}: the header. */
    public ProxyHeader header() {
        return header;
    }

    /**
     * Reads a whole header from a blocking channel into {@code buf} (grown if the header needs it).
     *
     * @return the header and what followed it, or null (logged, naming the connection) when the
     *     stream ended before the header did, the header is invalid or it names no client (LOCAL):
     *     the caller closes it
     */
    public static Read readBlocking(ReadableByteChannel channel, ByteBuffer buf, long connectionId) throws IOException {
        ProxyHeaderReader reader = new ProxyHeaderReader(buf);
        Step s;
        while ((s = reader.step(channel, connectionId)) == Step.MORE) {
            // blocking reads: the next one brings more of the header
        }
        return s == Step.HEADER ? new Read(reader.header(), reader.rest()) : null;
    }

    /** After a header: the client bytes that followed it (the buffer, perhaps grown), in read mode. */
    public ByteBuffer rest() {
        return buf;
    }
}
