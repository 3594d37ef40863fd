package dev.forkd.worker.blocking;

import dev.forkd.shared.framing.Framing;
import dev.forkd.worker.handlers.BuiltInHandlers;
import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import dev.forkd.api.TlsInfo;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxyTlvBytes;
import dev.forkd.shared.ProxyV2;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ClientConnection over a real Unix socket pair; the test plays the supervisor's relay. */
@Timeout(10)
class ClientConnectionTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 54321);
    private static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 8888);
    private static final byte[] HEADER = ProxyV2.encode(CLIENT, LISTENER);

    @RegisterExtension
    final RelayFixture relay = new RelayFixture();

    /** A relayed stream: the returned client end talks to a ClientConnection running {@code handler}. */
    private final class Relayed {
        final SocketChannel client;
        final Future<?> run;

        Relayed(Handler handler) throws IOException {
            RelayFixture.Pair pair = relay.connect();
            client = pair.client();
            run = relay.run(new ClientConnection(1, pair.accepted(), handler, 4096));
        }

        void write(byte[]... parts) throws IOException {
            int n = 0;
            for (byte[] p : parts) {
                n += p.length;
            }
            ByteBuffer b = ByteBuffer.allocate(n);
            for (byte[] p : parts) {
                b.put(p);
            }
            b.flip();
            while (b.hasRemaining()) {
                client.write(b);
            }
        }

        String read(int n) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining()) {
                if (client.read(b) < 0) {
                    throw new IOException("EOF after " + b.position() + " of " + n + " bytes");
                }
            }
            return new String(b.array(), UTF_8);
        }

        void assertEof() throws IOException {
            assertEquals(-1, client.read(ByteBuffer.allocate(16)), "expected the worker to close");
        }

        /** run() returned normally (it would rethrow here otherwise). */
        void assertRunEnded() throws Exception {
            run.get(5, TimeUnit.SECONDS);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void headerAndDataInOneWrite() throws Exception {
        CompletableFuture<InetSocketAddress> seen = new CompletableFuture<>();
        Handler upper = BuiltInHandlers.named("upper", Framing.RAW).get();
        Handler h = new Handler() {
            @Override
            public void onOpen(Connection c) {
                seen.complete(c.clientAddress());
            }

            @Override
            public void onMessage(Connection c, ByteBuffer m) throws Exception {
                upper.onMessage(c, m);
            }
        };
        Relayed s = new Relayed(h);
        s.write(HEADER, bytes("hello"));
        assertEquals("HELLO", s.read(5));
        assertEquals(CLIENT, seen.get(5, TimeUnit.SECONDS));
    }

    @Test
    void headerOneByteAtATime() throws Exception {
        Relayed s = new Relayed(BuiltInHandlers.named("upper", Framing.RAW).get());
        for (byte b : HEADER) {
            s.write(new byte[] {b});
        }
        s.write(bytes("hello"));
        assertEquals("HELLO", s.read(5));
    }

    @Test
    void garbageInsteadOfAHeaderCloses() throws Exception {
        Relayed s = new Relayed(BuiltInHandlers.named("upper", Framing.RAW).get());
        s.write(bytes("GET / HTTP/1.1\r\n\r\n"));
        s.assertEof();
        s.assertRunEnded();
    }

    @Test
    void aThrowingHandlerClosesOnlyItsConnection() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        Handler failing = new Handler() {
            @Override
            public void onMessage(Connection c, ByteBuffer m) {
                throw new IllegalStateException("handler bug");
            }

            @Override
            public void onClose(Connection c) {
                closed.countDown();
            }
        };
        Relayed bad = new Relayed(failing);
        Relayed good = new Relayed(BuiltInHandlers.named("upper", Framing.RAW).get());

        bad.write(HEADER, bytes("boom"));
        bad.assertEof();
        bad.assertRunEnded();
        assertTrue(closed.await(5, TimeUnit.SECONDS), "onClose is called");

        good.write(HEADER, bytes("still here"));
        assertEquals("STILL HERE", good.read(10));
    }

    @Test
    void endOfInputByDefaultClosesAfterTheReplies() throws Exception {
        Relayed s = new Relayed(BuiltInHandlers.named("upper", Framing.RAW).get());
        s.write(HEADER, bytes("bye"));
        assertEquals("BYE", s.read(3));
        s.client.shutdownOutput();
        s.assertEof();
        s.assertRunEnded();
    }

    @Test
    void handlerMayStillAnswerAfterEndOfInput() throws Exception {
        Handler h = new Handler() {
            @Override
            public void onMessage(Connection c, ByteBuffer m) {
            }

            @Override
            public void onEndOfInput(Connection c) throws IOException {
                c.reply(ByteBuffer.wrap(bytes("done")));
                c.close();
            }
        };
        Relayed s = new Relayed(h);
        s.write(HEADER);
        s.client.shutdownOutput();
        assertEquals("done", s.read(4));
        s.assertEof();
        s.assertRunEnded();
    }

    /** A handler that records what {@link Connection#tls()} said when the connection opened, and echoes. */
    private static Handler tlsRecorder(CompletableFuture<Optional<TlsInfo>> seen) {
        return new Handler() {
            @Override
            public void onOpen(Connection c) {
                seen.complete(c.tls());
            }

            @Override
            public void onMessage(Connection c, ByteBuffer m) throws IOException {
                c.reply(m);
            }
        };
    }

    @Test
    void theTlsFactsInTheHeaderReachTheHandler() throws Exception {
        byte[] header = ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.ALPN, "http/1.1"), ProxyTlvBytes.tlv(ProxyTlvBytes.AUTHORITY, "api.example.com"),
                ProxyTlvBytes.ssl(0x03, 0, ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_VERSION, "TLSv1.3"),
                        ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_CN, "alice"), ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_CIPHER, "TLS_AES_256_GCM_SHA384")));
        CompletableFuture<Optional<TlsInfo>> seen = new CompletableFuture<>();
        Relayed s = new Relayed(tlsRecorder(seen));
        s.write(header, bytes("hi"));
        assertEquals("hi", s.read(2), "the client's bytes after the TLVs are untouched");
        assertEquals(Optional.of(new TlsInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", true, true, "alice", "http/1.1", "api.example.com")),
                seen.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aPlainClientHasNoTlsFacts() throws Exception {
        CompletableFuture<Optional<TlsInfo>> seen = new CompletableFuture<>();
        Relayed s = new Relayed(tlsRecorder(seen));
        s.write(HEADER, bytes("x"));
        assertEquals("x", s.read(1));
        assertEquals(Optional.empty(), seen.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aHeaderWithBrokenTlvsClosesBeforeTheHandlerOpens() throws Exception {
        CompletableFuture<Optional<TlsInfo>> seen = new CompletableFuture<>();
        Relayed s = new Relayed(tlsRecorder(seen));
        // the SSL TLV's sub-TLV claims 40 bytes; the SSL TLV holds 2
        byte[] sslValue = ProxyTlvBytes.cat(new byte[] {1, 0, 0, 0, 0}, ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_CN, 40, bytes("al")));
        s.write(ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.SSL, sslValue), new byte[40]), bytes("hi"));
        s.assertEof();
        s.assertRunEnded();
        assertTrue(!seen.isDone(), "onOpen must not run for an invalid header");
    }

    @Test
    void aHeaderWithTlvsLargerThanTheReadBufferIsTakenWhole() throws Exception {
        CompletableFuture<Optional<TlsInfo>> seen = new CompletableFuture<>();
        Relayed s = new Relayed(tlsRecorder(seen)); // a 4096-byte buffer; the header is 6000 bytes
        byte[] header = ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.NOOP, new byte[6000]), ProxyTlvBytes.ssl(1, 0, ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_VERSION, "TLSv1.2")));
        s.write(header, bytes("ok"));
        assertEquals("ok", s.read(2));
        assertEquals("TLSv1.2", seen.get(5, TimeUnit.SECONDS).orElseThrow().protocol());
    }
}
