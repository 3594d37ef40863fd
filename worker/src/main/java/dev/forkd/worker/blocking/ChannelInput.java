package dev.forkd.worker.blocking;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Objects;

/**
 * A stream handler's input: the relayed stream's bytes through one buffer, so that byte-wise
 * readers cost no system call per byte, and never more than that buffer held in the worker (a
 * handler that stops reading leaves the rest in the kernel, and the supervisor's relay stops
 * reading its client). A read of at least a buffer's worth with nothing buffered goes straight into
 * the caller's array. One reader at a time, as any InputStream.
 */
final class ChannelInput extends InputStream {
    private final ReadableByteChannel channel;
    /** In read mode: position..limit are the bytes not yet returned. */
    private final ByteBuffer buf;
    private boolean eof;
    private volatile boolean closed;

    /** @param initial in read mode, holding the client bytes that came with the PROXY header; its capacity is the buffer size */
    ChannelInput(ReadableByteChannel channel, ByteBuffer initial) {
        this.channel = channel;
        this.buf = initial;
    }

    @Override
    public int read() throws IOException {
        ensureOpen();
        if (!buf.hasRemaining() && fill() < 0) {
            return -1;
        }
        return buf.get() & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        if (!buf.hasRemaining()) {
            if (len >= buf.capacity()) {
                // nothing to gain from copying through the buffer
                return readChannel(ByteBuffer.wrap(b, off, len));
            }
            if (fill() < 0) {
                return -1;
            }
        }
        int n = Math.min(len, buf.remaining());
        buf.get(b, off, n);
        return n;
    }

    /** One read into the empty buffer: how many bytes arrived (at least one), or -1 at end of stream. */
    private int fill() throws IOException {
        ensureOpen();
        buf.clear();
        int n;
        try {
            n = readChannel(buf);
        } finally {
            buf.flip();
        }
        return n;
    }

    /** A blocking read: returns at least one byte, or -1 at end of stream (then every later read does too). */
    private int readChannel(ByteBuffer into) throws IOException {
        if (eof) {
            return -1;
        }
        int n;
        do {
            n = channel.read(into);
        } while (n == 0);
        if (n < 0) {
            eof = true;
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        ensureOpen();
        return buf.remaining();
    }

    @Override
    public long skip(long n) throws IOException {
        ensureOpen();
        if (n <= 0) {
            return 0;
        }
        if (!buf.hasRemaining() && fill() < 0) {
            return 0;
        }
        int k = (int) Math.min(n, buf.remaining());
        buf.position(buf.position() + k);
        return k;
    }

    /** Ends reading through this stream; the connection stays open (the handler's return closes it). */
    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("input closed");
        }
    }
}
