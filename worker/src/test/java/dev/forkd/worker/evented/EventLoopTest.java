package dev.forkd.worker.evented;

import dev.forkd.worker.handlers.BuiltInHandlers;
import dev.forkd.worker.common.Protocol;
import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import dev.forkd.api.TlsInfo;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxyV2;
import dev.forkd.shared.framing.Framing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event loop over a real Unix socket, on a thread of the test's; the test plays the
 * supervisor's relay (a PROXY v2 header, then the client's bytes), as FramedConnectionTest does
 * for ClientConnection, and checks that what a client sees is the same.
 */
@Timeout(20)
class EventLoopTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 54321);
    private static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 8888);
    private static final byte[] HEADER = ProxyV2.encode(CLIENT, LISTENER);
    private static final int MAX_FRAME = 1024;

    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private EventLoop loop;
    private CompletableFuture<Void> running;
    private final List<SocketChannel> clients = new ArrayList<>();
    private final List<String> closedHandlers = new CopyOnWriteArrayList<>();

    private void start(Framing framing, Supplier<Handler> handlers) throws IOException {
        start(new Protocol(framing, MAX_FRAME, 0, 4096, 0), handlers, new LoopWatchdog(0));
    }

    private void start(Protocol protocol, Supplier<Handler> handlers, LoopWatchdog watchdog) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("worker.sock")));
        AtomicLong ids = new AtomicLong(1);
        loop = new EventLoop(server, handlers, protocol, ch -> true, ids::getAndIncrement, () -> {
            try {
                server.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, watchdog, null);
        running = CompletableFuture.runAsync(() -> {
            try {
                loop.run();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        for (SocketChannel c : clients) {
            c.close();
        }
        if (loop != null) {
            loop.drain();
            running.get(10, TimeUnit.SECONDS);
        }
    }

    private SocketChannel connect(byte[]... parts) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        clients.add(c);
        c.connect(server.getLocalAddress());
        write(c, parts);
        return c;
    }

    private static void write(SocketChannel c, byte[]... parts) throws IOException {
        for (byte[] p : parts) {
            ByteBuffer b = ByteBuffer.wrap(p);
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    private static byte[] readLength(SocketChannel c) throws IOException {
        ByteBuffer n = ByteBuffer.allocate(4);
        readFully(c, n);
        ByteBuffer body = ByteBuffer.allocate(n.flip().getInt());
        readFully(c, body);
        return body.array();
    }

    private static void readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("EOF");
            }
        }
    }

    private static void assertEofOrReset(SocketChannel c) {
        try {
            assertEquals(-1, c.read(ByteBuffer.allocate(1)), "expected the worker to close, not to send more");
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), "expected EOF or a reset, got " + e);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] lengthFrame(String s) {
        byte[] p = b(s);
        return ByteBuffer.allocate(4 + p.length).putInt(p.length).put(p).array();
    }

    /** Runs on the loop thread and waits for its answer. */
    private <T> T onLoop(Supplier<T> what) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.execute(() -> f.complete(what.get()));
        return f.get(5, TimeUnit.SECONDS);
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void manyConnectionsOnOneThreadEachGetTheirOwnReplies() throws Exception {
        start(Framing.LINE, BuiltInHandlers.named("upper", Framing.RAW));
        List<SocketChannel> cs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            cs.add(connect(HEADER));
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < cs.size(); i++) {
                write(cs.get(i), b("client " + i + " round " + round + "\n"));
            }
            for (int i = 0; i < cs.size(); i++) {
                assertEquals("CLIENT " + i + " ROUND " + round, Lines.readLine(cs.get(i)));
            }
        }
        assertEquals(100, (int) onLoop(loop::liveCount));
    }

    @Test
    void headerAndFramesSplitAnywhereAreReassembled() throws Exception {
        start(Framing.LENGTH, BuiltInHandlers.named("echo", Framing.RAW));
        byte[] all = concat(HEADER, lengthFrame("hello"), lengthFrame("world, split"));
        SocketChannel c = connect();
        for (byte x : all) {
            // one byte per write: the header itself arrives over many reads
            write(c, new byte[] {x});
        }
        assertEquals("hello", new String(readLength(c), UTF_8));
        assertEquals("world, split", new String(readLength(c), UTF_8));
    }

    @Test
    void aHeaderWithTlvsLargerThanTheReadBufferIsTakenWholeAndTheTlsFactsReachTheHandler() throws Exception {
        start(Framing.RAW, () -> (conn, m) -> conn.reply(ByteBuffer.wrap(b(conn.tls().map(TlsInfo::protocol).orElse("none") + ":"
                + UTF_8.decode(m)))));
        byte[] header = dev.forkd.shared.ProxyTlvBytes.tcp4(dev.forkd.shared.ProxyTlvBytes.tlv(dev.forkd.shared.ProxyTlvBytes.NOOP, new byte[6000]),
                dev.forkd.shared.ProxyTlvBytes.ssl(1, 0, dev.forkd.shared.ProxyTlvBytes.tlv(dev.forkd.shared.ProxyTlvBytes.SSL_VERSION, "TLSv1.2")));
        SocketChannel c = connect(header, b("ok"));
        ByteBuffer r = ByteBuffer.allocate("TLSv1.2:ok".length());
        readFully(c, r);
        assertEquals("TLSv1.2:ok", new String(r.array(), UTF_8));
    }

    @Test
    void anInvalidHeaderClosesTheConnectionWithoutAWordToTheHandler() throws Exception {
        List<String> opened = new CopyOnWriteArrayList<>();
        start(Framing.RAW, () -> new Handler() {
            @Override
            public void onOpen(Connection c) {
                opened.add("open");
            }

            @Override
            public void onMessage(Connection c, ByteBuffer m) {
                opened.add("message");
            }
        });
        SocketChannel c = connect(b("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEofOrReset(c);
        assertEquals(List.of(), opened);
    }

    @Test
    void pingIsAnsweredByTheWorkerAndNeverReachesTheHandler() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        start(Framing.LINE, () -> (conn, m) -> {
            seen.add(UTF_8.decode(m.duplicate()).toString());
            conn.reply(m);
        });
        SocketChannel c = connect(HEADER, b("{\"type\":\"ping\"}\nafter\n"));
        assertEquals("{\"type\":\"pong\"}", Lines.readLine(c));
        assertEquals("after", Lines.readLine(c));
        assertEquals(List.of("after"), seen);
    }

    @Test
    void badInputClosesOnlyThatConnectionWithAnError() throws Exception {
        start(Framing.LINE, BuiltInHandlers.named("upper", Framing.RAW));
        SocketChannel good = connect(HEADER);
        SocketChannel bad = connect(HEADER, b("x".repeat(MAX_FRAME + 10)));
        assertTrue(Lines.readLine(bad).contains("\"type\":\"error\""));
        assertEofOrReset(bad);
        write(good, b("still here\n"));
        assertEquals("STILL HERE", Lines.readLine(good));
    }

    @Test
    void aHandlerThatThrowsClosesOnlyItsConnection() throws Exception {
        start(Framing.LINE, () -> (conn, m) -> {
            if (UTF_8.decode(m.duplicate()).toString().equals("boom")) {
                throw new IllegalStateException("boom");
            }
            conn.reply(m);
        });
        SocketChannel good = connect(HEADER);
        SocketChannel bad = connect(HEADER, b("boom\n"));
        assertEofOrReset(bad);
        write(good, b("fine\n"));
        assertEquals("fine", Lines.readLine(good));
    }

    @Test
    void halfCloseLetsTheHandlerAnswerThenCloses() throws Exception {
        start(Framing.RAW, () -> new Handler() {
            private final StringBuilder got = new StringBuilder();

            @Override
            public void onMessage(Connection c, ByteBuffer m) {
                got.append(UTF_8.decode(m));
            }

            @Override
            public void onEndOfInput(Connection c) throws Exception {
                c.reply(ByteBuffer.wrap(b("got " + got)));
                c.close();
            }

            @Override
            public void onClose(Connection c) {
                closedHandlers.add("closed " + c.id());
            }
        });
        SocketChannel c = connect(HEADER, b("abc"));
        c.shutdownOutput();
        ByteBuffer reply = ByteBuffer.allocate(64);
        while (c.read(reply) >= 0) {
            assertTrue(reply.hasRemaining(), "more than the reply came");
        }
        assertEquals("got abc", new String(reply.array(), 0, reply.position(), UTF_8));
        await(() -> closedHandlers.size() == 1, "onClose");
    }

    @Test
    void aClientThatDoesNotReadStopsBeingReadButTheOthersAreServed() throws Exception {
        start(Framing.RAW, BuiltInHandlers.named("echo", Framing.RAW));
        SocketChannel slow = connect(HEADER);
        slow.configureBlocking(false);
        SocketChannel other = connect(HEADER);
        byte[] chunk = new byte[64 * 1024];
        long sent = 0;
        // write until the worker stops reading (its outbound is over the high-water mark and both kernel buffers are full)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int stalls = 0;
        while (stalls < 50 && System.nanoTime() < deadline) {
            int n = slow.write(ByteBuffer.wrap(chunk));
            sent += n;
            if (n == 0) {
                stalls++;
                Thread.sleep(10);
            } else {
                stalls = 0;
            }
        }
        assertTrue(stalls >= 50, "the worker kept reading a client that reads nothing (" + sent + " bytes sent)");
        EventedConnection slowConn = onLoop(() -> {
            var it = loop.connections();
            EventedConnection first = it.next();
            EventedConnection second = it.next();
            return first.id() == 1 ? first : second;
        });
        assertTrue(onLoop(slowConn::readPaused), "reading paused");
        long pending = onLoop(slowConn::pendingBytes);
        // bounded: the high-water mark (64 KiB here) plus what the one read that crossed it brought
        assertTrue(pending > 64 * 1024 && pending <= 64 * 1024 + 4096, "pending " + pending);
        write(other, b("ping?"));
        ByteBuffer r = ByteBuffer.allocate(5);
        readFully(other, r);
        assertEquals("ping?", new String(r.array(), UTF_8));
        // the slow client reads now: everything it sent comes back, and reading resumes
        slow.configureBlocking(true);
        ByteBuffer back = ByteBuffer.allocate(64 * 1024);
        long got = 0;
        while (got < sent) {
            back.clear();
            int n = slow.read(back);
            assertTrue(n > 0, "echo ended after " + got + " of " + sent);
            got += n;
        }
        assertEquals(sent, got);
        assertFalse(onLoop(slowConn::readPaused), "reading resumed");
    }

    @Test
    void drainTakesTheBacklogThenEndsWhenTheLiveConnectionsDo() throws Exception {
        start(Framing.LINE, BuiltInHandlers.named("upper", Framing.RAW));
        SocketChannel live = connect(HEADER, b("one\n"));
        assertEquals("ONE", Lines.readLine(live));
        SocketChannel queued = connect(HEADER, b("two\n"));
        loop.drain();
        assertEquals("TWO", Lines.readLine(queued), "a connection made before the drain is served");
        await(() -> loop.state() == EventLoop.State.DRAINING, "draining");
        assertFalse(running.isDone(), "still serving its live connections");
        write(live, b("three\n"));
        assertEquals("THREE", Lines.readLine(live));
        live.close();
        queued.close();
        running.get(5, TimeUnit.SECONDS);
        assertEquals(EventLoop.State.STOPPED, loop.state());
        loop = null;
    }

    @Test
    void aSilentFramedConnectionIsClosedAfterTheHeartbeatTimeout() throws Exception {
        start(new Protocol(Framing.LINE, MAX_FRAME, 0, 4096, TimeUnit.MILLISECONDS.toNanos(200)), BuiltInHandlers.named("upper", Framing.RAW), new LoopWatchdog(0));
        SocketChannel silent = connect(HEADER);
        assertEofOrReset(silent);
    }

    @Test
    void aBlockingHandlerIsReportedWithTheLoopThreadsStackWhileItBlocks() throws Exception {
        CompletableFuture<String> report = new CompletableFuture<>();
        LoopWatchdog watchdog = new LoopWatchdog(TimeUnit.MILLISECONDS.toNanos(50), (text, stack) -> {
            StringBuilder sb = new StringBuilder(text);
            for (StackTraceElement e : stack.getStackTrace()) {
                sb.append("\n\tat ").append(e);
            }
            report.complete(sb.toString());
        });
        start(new Protocol(Framing.LINE, MAX_FRAME, 0, 4096, 0), () -> (conn, m) -> {
            if (UTF_8.decode(m.duplicate()).toString().equals("block")) {
                blockUntil(report);
            }
            conn.reply(m);
        }, watchdog);
        SocketChannel other = connect(HEADER);
        SocketChannel c = connect(HEADER, b("block\n"));
        String r = report.get(5, TimeUnit.SECONDS);
        assertTrue(r.contains("event loop blocked: onMessage has run for"), r);
        assertTrue(r.contains("Do not block in a handler under --model evented"), r);
        assertTrue(r.contains("EventLoopTest.blockUntil"), "the stack names the blocking handler: " + r);
        assertEquals("block", Lines.readLine(c));
        write(other, b("after\n"));
        assertEquals("after", Lines.readLine(other));
    }

    /** What a handler that blocks looks like: it waits for something on the loop thread. */
    private static void blockUntil(CompletableFuture<String> f) throws Exception {
        f.get(5, TimeUnit.SECONDS);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
