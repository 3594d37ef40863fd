package dev.forkd.supervisor.listen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.shared.ProxyV2;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class PreambleTest {
    private static final Duration LONG = Duration.ofMinutes(1);

    private final List<SocketChannel> channels = new ArrayList<>();
    private final DispatchStats stats = new DispatchStats();
    private final LinkedBlockingQueue<AcceptedClient> closed = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<AcceptedClient> ready = new LinkedBlockingQueue<>();
    private volatile boolean refuseDeclared;
    private ServerSocketChannel server;
    private Preamble preamble;

    private final Preamble.Sink sink = new Preamble.Sink() {
        @Override
        public boolean admitDeclared(AcceptedClient client, InetSocketAddress declared) {
            if (refuseDeclared) {
                Dispatcher.closeQuietly(client.channel);
                return false;
            }
            return true;
        }

        @Override
        public void ready(AcceptedClient client) {
            ready.add(client);
        }

        @Override
        public void closed(AcceptedClient client) {
            closed.add(client);
        }
    };

    private Preamble start(boolean acceptProxy, Duration timeout, MemoryBudget budget) throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        preamble = new Preamble(acceptProxy, false, timeout, budget, stats, sink);
        preamble.start();
        return preamble;
    }

    /** A client connected to the preamble: the accepted end is submitted, the client end returned. */
    private SocketChannel connect() throws IOException {
        SocketChannel client = SocketChannel.open(server.getLocalAddress());
        SocketChannel accepted = server.accept();
        channels.add(client);
        channels.add(accepted);
        preamble.submit(new AcceptedClient(accepted));
        return client;
    }

    @AfterEach
    void tearDown() throws IOException {
        if (preamble != null) {
            preamble.close();
        }
        for (SocketChannel c : channels) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static void send(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.US_ASCII.decode(b.duplicate()).toString();
    }

    @Test
    void aConnectionIsHandedOnWithItsFirstBytes() throws Exception {
        MemoryBudget budget = new MemoryBudget(1 << 20);
        start(false, LONG, budget);
        SocketChannel c = connect();
        assertNull(ready.poll(300, TimeUnit.MILLISECONDS), "nothing sent: no worker yet");
        send(c, "hello\n".getBytes(StandardCharsets.US_ASCII));
        AcceptedClient info = ready.poll(5, TimeUnit.SECONDS);
        assertEquals("hello\n", text(info.leftover()));
        assertNull(info.declaredSource(), "no PROXY header: the peer is the client");
        assertEquals(Preamble.FIRST_READ, budget.used(), "its buffer is counted until the relay takes it");
        info.handedOver();
        assertEquals(0, budget.used());
    }

    @Test
    void withAcceptProxyTheHeaderAndThenTheFirstBytes() throws Exception {
        start(true, LONG, new MemoryBudget(1 << 20));
        SocketChannel c = connect();
        send(c, ProxyV2.encode(new InetSocketAddress("192.0.2.7", 4000), new InetSocketAddress("198.51.100.1", 443)));
        assertNull(ready.poll(300, TimeUnit.MILLISECONDS), "a header alone is not a request: no worker yet");
        send(c, "x".getBytes(StandardCharsets.US_ASCII));
        AcceptedClient info = ready.poll(5, TimeUnit.SECONDS);
        assertEquals(new InetSocketAddress("192.0.2.7", 4000), info.declaredSource());
        assertEquals("x", text(info.leftover()));
    }

    @Test
    void aRefusedDeclaredAddressNeverReachesAWorker() throws Exception {
        MemoryBudget budget = new MemoryBudget(1 << 20);
        start(true, LONG, budget);
        refuseDeclared = true;
        SocketChannel c = connect();
        send(c, "PROXY TCP4 192.0.2.7 198.51.100.1 4000 443\r\nhello\n".getBytes(StandardCharsets.US_ASCII));
        c.configureBlocking(true);
        assertEquals(-1, c.read(ByteBuffer.allocate(1)), "closed");
        assertNull(ready.poll(200, TimeUnit.MILLISECONDS));
        awaitUsed(budget, 0);
    }

    @Test
    void anOversizedV2HeaderIsRefusedBeforeItsBufferIsTaken() throws Exception {
        // a budget of one first buffer: growing it for the header would have to wait, not refuse
        MemoryBudget budget = new MemoryBudget(Preamble.FIRST_READ);
        start(true, LONG, budget);
        SocketChannel c = connect();
        byte[] fixed = ProxyV2.encodeLocal();
        fixed[14] = (byte) (60000 >> 8);
        fixed[15] = (byte) (60000 & 0xFF);
        send(c, fixed);
        assertTrue(closed.poll(5, TimeUnit.SECONDS) != null, "refused from its 16 fixed bytes");
        assertEquals(1, stats.badProxyHeader.sum());
        assertEquals(0, budget.exhaustedEvents.sum(), "never asked the budget for more");
        awaitUsed(budget, 0);
    }

    @Test
    void aHeaderWithTlvsUpToTheBoundGrowsItsBuffer() throws Exception {
        start(true, LONG, new MemoryBudget(1 << 20));
        SocketChannel c = connect();
        byte[] v2 = ProxyV2.encode(new InetSocketAddress("192.0.2.7", 4000), new InetSocketAddress("198.51.100.1", 443));
        int declared = ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH;
        int tlv = declared - 12 - 3;
        ByteBuffer h = ByteBuffer.allocate(ProxyV2.FIXED_LENGTH + declared + 2);
        h.put(v2, 0, 14).putShort((short) declared).put(v2, 16, 12).put((byte) 0x04).putShort((short) tlv).put(new byte[tlv]);
        h.put("ok".getBytes(StandardCharsets.US_ASCII));
        send(c, h.array());
        AcceptedClient info = ready.poll(5, TimeUnit.SECONDS);
        assertEquals(new InetSocketAddress("192.0.2.7", 4000), info.declaredSource());
        assertEquals("ok", text(info.leftover()));
    }

    @Test
    void aSilentConnectionIsClosedAtTheTimeout() throws Exception {
        MemoryBudget budget = new MemoryBudget(1 << 20);
        start(false, Duration.ofMillis(300), budget);
        long t0 = System.nanoTime();
        SocketChannel c = connect();
        assertTrue(closed.poll(5, TimeUnit.SECONDS) != null);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 290, "not before the timeout: " + ms + " ms");
        assertEquals(1, stats.firstDataTimedOut.sum());
        c.configureBlocking(true);
        assertEquals(-1, c.read(ByteBuffer.allocate(1)));
        awaitUsed(budget, 0);
    }

    @Test
    void whenTheBudgetIsSpentNewConnectionsWaitUnreadUntilBytesComeBack() throws Exception {
        MemoryBudget budget = new MemoryBudget(Preamble.FIRST_READ);
        start(false, LONG, budget);
        SocketChannel first = connect();
        awaitUsed(budget, Preamble.FIRST_READ);
        SocketChannel second = connect();
        send(second, "second\n".getBytes(StandardCharsets.US_ASCII));
        assertNull(ready.poll(500, TimeUnit.MILLISECONDS), "no budget for the second: its bytes wait in the kernel");
        assertTrue(budget.exhaustedEvents.sum() >= 1);
        send(first, "first\n".getBytes(StandardCharsets.US_ASCII));
        AcceptedClient one = ready.poll(5, TimeUnit.SECONDS);
        assertEquals("first\n", text(one.leftover()));
        assertNull(ready.poll(300, TimeUnit.MILLISECONDS), "still held by the first until the relay takes its bytes");
        one.handedOver();
        AcceptedClient two = ready.poll(5, TimeUnit.SECONDS);
        assertEquals("second\n", text(two.leftover()));
    }

    @Test
    void aStarvedConnectionStillTimesOut() throws Exception {
        MemoryBudget budget = new MemoryBudget(10);
        start(false, Duration.ofMillis(300), budget);
        connect();
        assertTrue(closed.poll(5, TimeUnit.SECONDS) != null);
        assertEquals(1, stats.firstDataTimedOut.sum());
        assertEquals(0, budget.used());
    }

    private static void awaitUsed(MemoryBudget budget, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (budget.used() != bytes) {
            assertTrue(System.nanoTime() < deadline, "budget used " + budget.used() + ", expected " + bytes);
            Thread.sleep(10);
        }
    }
}
