package dev.forkd.worker.blocking;

import dev.forkd.worker.common.Protocol;
import dev.forkd.api.Handler;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxyV2;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * For the connection tests: plays the supervisor's relay over a real Unix socket pair (a PROXY v2
 * header, then the client's bytes) to a running ClientConnection.
 */
/** A relayed stream whose header has been sent: the client end talks to a running ClientConnection. */
final class RelayedStream {
    static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 54321);
    static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 8888);
    static final byte[] HEADER = ProxyV2.encode(CLIENT, LISTENER);
    static final int MAX_FRAME = 1024;

    final SocketChannel client;
    final ClientConnection connection;
    final Future<?> run;

    RelayedStream(RelayFixture fixture, Protocol protocol, Handler handler) throws IOException {
        RelayFixture.Pair pair = fixture.connect();
        client = pair.client();
        connection = new ClientConnection(1, pair.accepted(), handler, protocol);
        run = fixture.run(connection);
        write(HEADER);
    }

    void write(byte[]... parts) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        ByteBuffer b = ByteBuffer.wrap(all.toByteArray());
        while (b.hasRemaining()) {
            client.write(b);
        }
    }

    byte[] read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (client.read(b) < 0) {
                throw new IOException("EOF after " + b.position() + " of " + n + " bytes: "
                        + new String(b.array(), 0, b.position(), UTF_8));
            }
        }
        return b.array();
    }

    String readText(int n) throws IOException {
        return new String(read(n), UTF_8);
    }

    /** Up to and including the next '\n', which is dropped; bounded so a missing newline fails. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (line.size() < 64 * 1024) {
            one.clear();
            if (client.read(one) < 0) {
                throw new IOException("EOF inside a line: " + line.toString(UTF_8));
            }
            if (one.get(0) == '\n') {
                return line.toString(UTF_8);
            }
            line.write(one.get(0));
        }
        throw new IOException("no newline in " + line.size() + " bytes");
    }

    byte[] readLengthFrame() throws IOException {
        int length = ByteBuffer.wrap(read(4)).getInt();
        assertTrue(length >= 0 && length <= MAX_FRAME, "reply length " + length);
        return read(length);
    }

    /** The worker closed its end, and nothing more came before EOF. */
    void assertEof() throws IOException {
        assertEquals(-1, client.read(ByteBuffer.allocate(1)), "expected the worker to close, not to send more");
    }

    /**
     * The worker closed its end and nothing more came. A worker that closes with client bytes
     * it never read (it stops reading at bad input, to keep memory bounded) shows as a reset
     * rather than EOF on a Unix socket, once the bytes it sent are read; the relay ends the
     * client's stream after delivering them either way.
     */
    void assertEofOrReset() throws IOException {
        try {
            assertEof();
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), "expected EOF or a reset, got " + e);
        }
    }

    /** run() returned normally, in time (it would rethrow here otherwise). */
    void assertRunEnded() throws Exception {
        run.get(5, TimeUnit.SECONDS);
        assertFalse(connection.isOpen());
    }
}
