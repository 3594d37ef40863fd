package dev.forkd.worker.blocking;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * A stream handler's output, unbuffered as a Socket's: each write is handed to the kernel before
 * it returns (blocking while the client does not read), so there is nothing to flush and nothing
 * to lose when the handler returns without flushing. Writes from several threads do not interleave
 * within one call. Closing it is a half-close: the client sees end of stream after what was written.
 */
final class ChannelOutput extends OutputStream {
    private final SocketChannel channel;
    private final Object lock = new Object();
    private boolean closed;

    ChannelOutput(SocketChannel channel) {
        this.channel = channel;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ByteBuffer src = ByteBuffer.wrap(b, off, len);
        synchronized (lock) {
            if (closed) {
                throw new IOException("output closed");
            }
            while (src.hasRemaining()) {
                channel.write(src);
            }
        }
    }

    /** Half-close: the client reads to the end of what was written, then end of stream. Once; later calls do nothing. */
    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (channel.isOpen()) {
                channel.shutdownOutput();
            }
        }
    }
}
