package dev.forkd.worker.evented;

import dev.forkd.shared.ProxyHeader;
import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxyV2;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.worker.proxy.ProxyHeaderReader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * An evented connection's PROXY v2 header, over as many readiness events as it takes: the loop
 * cannot wait for the rest of it as a blocking worker does.
 */
final class EventedHeader {
    /** What one read gave. */
    enum Outcome { MORE, DONE, CLOSE }

    private final long id;
    private final ProxyHeaderReader reader;
    private ProxyHeader header;

    EventedHeader(long id, int bufferSize) {
        this.id = id;
        this.reader = new ProxyHeaderReader(ByteBuffer.allocate(Math.min(bufferSize, ProxyV2.MAX_LENGTH)));
    }

    /** Reads what the channel has; CLOSE (logged here) when the stream ended or the header is invalid. */
    Outcome read(ReadableByteChannel channel) throws IOException {
        try {
            header = reader.read(channel);
        } catch (EOFException e) {
            WorkerLog.warn("connection {}: {}", id, e.getMessage());
            return Outcome.CLOSE;
        } catch (ProxyProtocolException e) {
            WorkerLog.warn("connection {}: invalid PROXY header, closing: {}", id, e.getMessage());
            return Outcome.CLOSE;
        }
        return header == null ? Outcome.MORE : Outcome.DONE;
    }

    /** Once DONE: the header. */
    ProxyHeader header() {
        return header;
    }

    /** Once DONE: the bytes read past the header, the client's first. */
    ByteBuffer rest() {
        return reader.rest();
    }
}
