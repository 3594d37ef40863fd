package dev.forkd.worker.blocking;

import dev.forkd.api.TlsInfo;
import dev.forkd.api.StreamConnection;
import dev.forkd.api.StreamHandler;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxyTlvBytes;
import dev.forkd.shared.ProxyV2;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** StreamClientConnection over a real Unix socket pair; the test plays the supervisor's relay. */
@Timeout(20)
class StreamClientConnectionTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 54321);
    private static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 8888);
    private static final byte[] HEADER = ProxyV2.encode(CLIENT, LISTENER);

    @RegisterExtension
    final RelayFixture relay = new RelayFixture();

    private final class Relayed {
        final SocketChannel client;
        final StreamClientConnection connection;
        final Future<?> run;

        Relayed(Supplier<StreamHandler> handlers) throws IOException {
            RelayFixture.Pair pair = relay.connect();
            client = pair.client();
            connection = new StreamClientConnection(7, pair.accepted(), handlers, 4096);
            run = relay.run(connection);
        }

        Relayed(StreamHandler handler) throws IOException {
            this(() -> handler);
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

        String read(int n) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining()) {
                if (client.read(b) < 0) {
                    throw new EOFException("EOF after " + b.position() + " of " + n + " bytes: " + new String(b.array(), 0, b.position(), UTF_8));
                }
            }
            return new String(b.array(), UTF_8);
        }

        void assertEof() throws IOException {
            assertEquals(-1, client.read(ByteBuffer.allocate(16)), "expected end of stream from the worker");
        }

        /** run() returned normally: it never lets a handler's failure out to the worker's thread. */
        void assertRunEnded() throws Exception {
            run.get(10, TimeUnit.SECONDS);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void aReadLineLoopGetsTheBytesThatCameWithTheHeaderFirst() throws Exception {
        Relayed s = new Relayed(new UpperLines());
        s.write(HEADER, bytes("hello\nwor"));
        assertEquals("HELLO\n", s.read(6));
        s.write(bytes("ld\n"));
        assertEquals("WORLD\n", s.read(6));
    }

    @Test
    void theHeaderMayComeOneByteAtATime() throws Exception {
        Relayed s = new Relayed(new UpperLines());
        for (byte b : HEADER) {
            s.write(new byte[] {b});
        }
        s.write(bytes("abc\n"));
        assertEquals("ABC\n", s.read(4));
    }

    @Test
    void theHandlerSeesTheAddressesTheIdAndTheTlsFacts() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        Relayed plain = new Relayed(c -> seen.complete(c.id() + " " + c.clientAddress() + " " + c.localAddress() + " " + c.tls() + " " + c.isOpen()));
        plain.write(HEADER);
        assertEquals("7 " + CLIENT + " " + LISTENER + " Optional.empty true", seen.get(10, TimeUnit.SECONDS));

        byte[] tlsHeader = ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.ALPN, "h2"),
                ProxyTlvBytes.ssl(0x03, 0, ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_VERSION, "TLSv1.3"), ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_CN, "alice"),
                        ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_CIPHER, "TLS_AES_128_GCM_SHA256")));
        CompletableFuture<Optional<TlsInfo>> tls = new CompletableFuture<>();
        Relayed secure = new Relayed(c -> tls.complete(c.tls()));
        secure.write(tlsHeader);
        assertEquals(Optional.of(new TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", true, true, "alice", "h2", null)), tls.get(10, TimeUnit.SECONDS));
    }

    @Test
    void lengthPrefixedFramesWithDataStreams() throws Exception {
        Relayed s = new Relayed(c -> {
            DataInputStream in = new DataInputStream(c.input());
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(c.output()));
            while (true) {
                int n;
                try {
                    n = in.readInt();
                } catch (EOFException e) {
                    return;
                }
                byte[] payload = in.readNBytes(n);
                out.writeInt(n);
                out.write(new StringBuilder(new String(payload, UTF_8)).reverse().toString().getBytes(UTF_8));
                out.flush();
            }
        });
        byte[] frame = ByteBuffer.allocate(4 + 5).putInt(5).put(bytes("hello")).array();
        // the second frame split inside its prefix
        s.write(HEADER, frame, new byte[] {0, 0});
        s.write(new byte[] {0, 3}, bytes("abc"));
        assertEquals("\0\0\0\5olleh\0\0\0\3cba", s.read(9 + 7));
        s.client.shutdownOutput();
        s.assertEof();
        s.assertRunEnded();
    }

    @Test
    void afterTheClientsHalfCloseTheHandlerReadsEndOfStreamAndMayStillAnswer() throws Exception {
        Relayed s = new Relayed(c -> {
            byte[] all = c.input().readAllBytes();
            c.output().write(bytes("got " + all.length + " bytes\n"));
        });
        s.write(HEADER, bytes("0123456789"));
        s.client.shutdownOutput();
        assertEquals("got 10 bytes\n", s.read(13));
        s.assertEof();
        s.assertRunEnded();
        assertFalse(s.connection.isOpen(), "closed once handle() returned");
    }

    @Test
    void closingTheOutputIsAHalfCloseTheInputStaysReadable() throws Exception {
        CompletableFuture<String> readAfter = new CompletableFuture<>();
        Relayed s = new Relayed(c -> {
            c.output().write(bytes("ready"));
            c.output().close();
            c.output().close(); // twice is harmless
            readAfter.complete(new String(c.input().readAllBytes(), UTF_8));
        });
        s.write(HEADER);
        assertEquals("ready", s.read(5));
        s.assertEof();
        s.write(bytes("still listening"));
        s.client.shutdownOutput();
        assertEquals("still listening", readAfter.get(10, TimeUnit.SECONDS));
        s.assertRunEnded();
    }

    @Test
    void aWriteAfterClosingTheOutputFails() throws Exception {
        CompletableFuture<String> failure = new CompletableFuture<>();
        Relayed s = new Relayed(c -> {
            c.output().close();
            try {
                c.output().write(1);
            } catch (IOException e) {
                failure.complete(e.getMessage());
            }
        });
        s.write(HEADER);
        assertEquals("output closed", failure.get(10, TimeUnit.SECONDS));
        s.assertRunEnded();
    }

    @Test
    void aHandlerThatThrowsClosesOnlyItsConnection() throws Exception {
        Relayed bad = new Relayed(c -> {
            c.input().read();
            throw new IllegalStateException("handler bug");
        });
        Relayed good = new Relayed(new UpperLines());
        bad.write(HEADER, bytes("x"));
        bad.assertEof();
        bad.assertRunEnded();
        good.write(HEADER, bytes("still here\n"));
        assertEquals("STILL HERE\n", good.read(11));
    }

    @Test
    void aHandlerWhoseConstructorThrowsClosesOnlyThatConnection() throws Exception {
        Relayed s = new Relayed(() -> {
            throw new IllegalStateException("handler class com.example.X cannot be instantiated");
        });
        s.write(HEADER, bytes("hi\n"));
        s.assertEof();
        s.assertRunEnded();
    }

    @Test
    void aLocalHeaderOrGarbageNeverReachesTheHandler() throws Exception {
        CompletableFuture<Boolean> called = new CompletableFuture<>();
        Relayed local = new Relayed(c -> called.complete(true));
        local.write(ProxyV2.encodeLocal());
        local.assertEof();
        local.assertRunEnded();
        Relayed garbage = new Relayed(c -> called.complete(true));
        garbage.write(bytes("GET / HTTP/1.1\r\n\r\n"));
        garbage.assertEof();
        garbage.assertRunEnded();
        assertFalse(called.isDone(), "the handler was not called");
    }

    @Test
    void closeFromAnotherThreadEndsABlockedRead() throws Exception {
        CompletableFuture<StreamConnection> started = new CompletableFuture<>();
        Relayed s = new Relayed(c -> {
            started.complete(c);
            c.input().read();
        });
        s.write(HEADER);
        started.get(10, TimeUnit.SECONDS).close();
        s.assertEof();
        s.assertRunEnded();
    }

    @Test
    void aHandlerThatNeverReadsHoldsNoMoreThanItsBuffer() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        Relayed s = new Relayed(c -> release.get());
        s.write(HEADER);
        s.client.configureBlocking(false);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long sent = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int stalls = 0;
        // write until the kernel takes no more several times in a row: nothing in the worker drains the stream
        while (stalls < 50 && sent < (256L << 20) && System.nanoTime() < deadline) {
            chunk.clear();
            int n = s.client.write(chunk);
            sent += n;
            stalls = n == 0 ? stalls + 1 : 0;
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        assertTrue(stalls >= 50, "the client's writes stall once the socket buffers are full, after " + sent + " bytes");
        assertTrue(sent < (64L << 20), "only the socket buffers took bytes: " + sent);
        release.complete(null);
        s.assertRunEnded();
    }
}
