package dev.forkd.supervisor.listen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxyV2;
import dev.forkd.supervisor.common.Buffers;
import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stages before a worker, as pipeline handlers on an EmbeddedChannel. */
@Timeout(20)
class ClientPipelineTest {
    private static final Duration LONG = Duration.ofMinutes(1);

    private final DispatchStats stats = new DispatchStats();
    private final MemoryBudget budget = new MemoryBudget(1 << 20);
    private final List<AcceptedClient> ready = new ArrayList<>();
    private final List<AcceptedClient> closed = new ArrayList<>();
    private final List<InetSocketAddress> declared = new ArrayList<>();
    private boolean refuseDeclared;

    private final ClientPipeline.Sink sink = new ClientPipeline.Sink() {
        @Override
        public boolean admitDeclared(AcceptedClient client, InetSocketAddress address) {
            declared.add(address);
            if (refuseDeclared) {
                client.channel.close();
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

    private AcceptedClient client;

    private EmbeddedChannel channel(boolean acceptProxy, boolean speaksFirst, Duration timeout, Supplier<ChannelHandler> afterProxy) {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        client = new AcceptedClient(ch);
        ClientPipeline p = new ClientPipeline(new ClientPipeline.Settings(acceptProxy, speaksFirst, timeout),
                new Admission(100, 0), new Buffers(budget, 64 * 1024), stats, sink, afterProxy == null ? null : new TlsStage() {
                    @Override
                    public ChannelHandler newHandler() {
                        return afterProxy.get();
                    }

                    @Override
                    public void handshakeDone(io.netty.handler.ssl.SslCompletionEvent event, io.netty.channel.Channel channel) {
                        // nothing to count in these tests
                    }

                    @Override
                    public Supplier<java.util.List<io.netty.handler.codec.haproxy.HAProxyTLV>> workerTlvs(io.netty.channel.Channel channel) {
                        return java.util.List::of;
                    }
                });
        p.assemble(ch.pipeline(), client);
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        ch.runPendingTasks();
        return ch;
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String leftover(AcceptedClient c) {
        ByteBuf b = c.takeLeftover();
        try {
            return b == null ? null : b.toString(StandardCharsets.US_ASCII);
        } finally {
            if (b != null) {
                b.release();
            }
        }
    }

    private static void await(EmbeddedChannel ch, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            ch.runPendingTasks();
            ch.runScheduledPendingTasks();
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    @Test
    void aProxyV1HeaderDeclaresTheClientAndWhatFollowsGoesToTheWorkerFirst() {
        EmbeddedChannel ch = channel(true, false, LONG, null);
        ch.writeInbound(bytes("PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\nhello\n"));
        ch.runPendingTasks();

        assertEquals(List.of(client), ready);
        assertEquals(new InetSocketAddress("192.0.2.1", 5000), client.declaredSource());
        assertEquals(new InetSocketAddress("192.0.2.2", 80), client.declaredDestination());
        assertEquals(List.of(new InetSocketAddress("192.0.2.1", 5000)), declared);
        assertEquals(6, budget.used(), "the first bytes are held against the budget");
        assertEquals("hello\n", leftover(client));
        client.handedOver();
        assertNull(ch.pipeline().get(FirstDataStage.class), "the stages are gone: the relay owns the pipeline");
    }

    @Test
    void aHeaderAloneWaitsForTheFirstBytes() {
        EmbeddedChannel ch = channel(true, false, LONG, null);
        ch.writeInbound(Unpooled.wrappedBuffer(ProxyV2.encode(new InetSocketAddress("2001:db8::1", 4000),
                new InetSocketAddress("2001:db8::2", 443))));
        ch.runPendingTasks();
        assertTrue(ready.isEmpty(), "not before the client's first bytes");
        ch.writeInbound(bytes("GET /"));
        ch.runPendingTasks();
        assertEquals(List.of(client), ready);
        assertEquals(new InetSocketAddress("2001:db8::1", 4000), client.declaredSource());
        assertEquals("GET /", leftover(client));
    }

    @Test
    void aLocalHeaderDeclaresNobody() {
        EmbeddedChannel ch = channel(true, true, LONG, null);
        ch.writeInbound(Unpooled.wrappedBuffer(ProxyV2.encodeLocal()));
        ch.runPendingTasks();
        assertEquals(List.of(client), ready, "a speaking-first handler takes it at once");
        assertNull(client.declaredSource());
        assertEquals(java.util.Collections.singletonList((InetSocketAddress) null), declared);
        assertNull(client.takeLeftover());
    }

    @Test
    void aBadHeaderIsCountedAndClosed() {
        EmbeddedChannel ch = channel(true, false, LONG, null);
        ch.writeInbound(bytes("GET / HTTP/1.1\r\n\r\n"));
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(1, stats.badProxyHeader.sum());
        assertEquals(List.of(client), closed);
        assertTrue(ready.isEmpty());
    }

    @Test
    void aV2HeaderDeclaringTooMuchIsRefusedAtItsFixedPart() {
        EmbeddedChannel ch = channel(true, false, LONG, null);
        byte[] fixed = java.util.Arrays.copyOf(ProxyV2.encodeLocal(), ProxyV2.FIXED_LENGTH);
        fixed[14] = (byte) (60000 >> 8);
        fixed[15] = (byte) (60000 & 0xFF);
        ch.writeInbound(Unpooled.wrappedBuffer(fixed));
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(1, stats.badProxyHeader.sum());
    }

    @Test
    void aClientClosingInsideItsHeaderIsCountedAndClosed() {
        EmbeddedChannel ch = channel(true, false, LONG, null);
        ch.writeInbound(bytes("PROXY TCP4 192.0"));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(1, stats.badProxyHeader.sum());
        assertEquals(List.of(client), closed);
    }

    @Test
    void aRefusedDeclaredAddressIsClosedAndNeverReady() {
        refuseDeclared = true;
        EmbeddedChannel ch = channel(true, false, LONG, null);
        ch.writeInbound(bytes("PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\nhello\n"));
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertTrue(ready.isEmpty());
        assertEquals(0, budget.used(), "nothing held for a refused client");
    }

    @Test
    void noHeaderInTimeIsCountedAndClosed() throws InterruptedException {
        EmbeddedChannel ch = channel(true, false, Duration.ofMillis(50), null);
        await(ch, () -> !ch.isOpen(), "closed at the header's deadline");
        assertEquals(1, stats.badProxyHeader.sum());
        assertEquals(List.of(client), closed);
    }

    @Test
    void noFirstBytesInTimeIsCountedAndClosed() throws InterruptedException {
        EmbeddedChannel ch = channel(false, false, Duration.ofMillis(50), null);
        await(ch, () -> !ch.isOpen(), "closed at the first-data deadline");
        assertEquals(1, stats.firstDataTimedOut.sum());
        assertEquals(List.of(client), closed);
        assertTrue(ready.isEmpty());
    }

    @Test
    void aSpeakingFirstHandlerWithoutProxyTakesTheClientAtOnce() {
        channel(false, true, LONG, null);
        assertEquals(List.of(client), ready);
        assertNull(client.takeLeftover());
    }

    @Test
    void aClientThatShutsDownWithoutSendingIsHandedOnAsItIs() {
        EmbeddedChannel ch = channel(false, false, LONG, null);
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals(List.of(client), ready, "the worker sees the EOF as it always did");
        assertNull(client.takeLeftover());
    }

    @Test
    void aClosedWaitingClientGivesItsBudgetBack() {
        EmbeddedChannel ch = channel(true, false, LONG, null);
        ch.writeInbound(bytes("PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\n"));
        ch.runPendingTasks();
        ch.close();
        ch.runPendingTasks();
        assertEquals(List.of(client), closed);
        assertEquals(0, budget.used());
    }

    @Test
    void aHandlerAfterTheProxyHeaderIsWaitedForEvenBySpeakingFirstHandlers() {
        EmbeddedChannel ch = channel(true, true, LONG, ChannelInboundHandlerAdapter::new);
        ch.writeInbound(bytes("PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\n"));
        ch.runPendingTasks();
        assertTrue(ready.isEmpty(), "not before the TLS handshake");
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertEquals(List.of(client), ready);
        assertEquals(new InetSocketAddress("192.0.2.1", 5000), client.declaredSource());
    }

    @Test
    void aFailedHandshakeClosesTheClient() {
        EmbeddedChannel ch = channel(false, false, LONG, ChannelInboundHandlerAdapter::new);
        ch.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(new javax.net.ssl.SSLHandshakeException("no")));
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(List.of(client), closed);
    }

    @Test
    void theLoopbackLiteralNeedsNoLookup() throws Exception {
        EmbeddedChannel ch = channel(true, false, LONG, null);
        ch.writeInbound(bytes("PROXY TCP6 ::1 ::1 5000 80\r\nx"));
        ch.runPendingTasks();
        assertEquals(InetAddress.getByName("::1"), client.declaredSource().getAddress());
    }

    @Test
    void bytesAfterAHandshakeAndBeforeTheRelayAreKeptForTheWorker() {
        EmbeddedChannel ch = channel(false, true, LONG, ChannelInboundHandlerAdapter::new);
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertEquals(List.of(client), ready);
        // the TLS handler's own read after its handshake answers before a worker is connected
        ch.pipeline().fireChannelRead(bytes("early"));
        ch.pipeline().fireChannelRead(bytes(" and more"));
        assertEquals("early and more", leftover(client));
        ch.pipeline().addLast("relay", new ChannelInboundHandlerAdapter());
        ch.pipeline().fireChannelRead(bytes("relayed"));
        assertEquals("relayed", ((ByteBuf) ch.readInbound()).toString(StandardCharsets.US_ASCII));
        assertTrue(ch.pipeline().names().stream().noneMatch(n -> n.equals("first-data")), "gone once the relay reads");
    }
}
