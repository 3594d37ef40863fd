package dev.forkd.supervisor.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The admin connection's pipeline (Netty's codec, our limits, deadlines and cap) on an
 * EmbeddedChannel: its clock is advanced by hand, so the timeouts are tested without waiting.
 */
class AdminHttpServerTest {
    private static final long TIMEOUT_MILLIS = 5000;
    private final AdminConnections connections = new AdminConnections(AdminHttpServer.MAX_CONNECTIONS);
    private final List<AdminRequest> handled = new ArrayList<>();
    private final AdminGuard guard = new AdminGuard(new InetSocketAddress("127.0.0.1", 9901));
    /** What AdminServer does first; then 200 with the path. */
    private final AdminExchange.Handler handler = r -> {
        handled.add(r);
        String refusal = guard.refusal(r.header("host"), r.header("origin"));
        return refusal != null ? AdminResponse.error(403, "refused") : AdminResponse.json(200, "{\"path\":\"" + r.path() + "\"}");
    };

    private EmbeddedChannel open(Executor executor) {
        // The deadlines run on the channel's clock, which follows the real one unless frozen: on a
        // busy machine a millisecond passed between two steps and a deadline fired early. Frozen
        // before the handlers see the connection start, so every deadline is counted from one instant.
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                AdminHttpServer.pipeline(ch, connections, TIMEOUT_MILLIS, TimeUnit.MILLISECONDS, executor, handler);
            }
        });
        ch.pipeline().fireChannelActive();
        return ch;
    }

    private EmbeddedChannel open() {
        return open(Runnable::run);
    }

    private static void send(EmbeddedChannel ch, String bytes) {
        ch.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
    }

    /** All the bytes written to the client. */
    private static String answer(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    private static int status(String answer) {
        assertTrue(answer.startsWith("HTTP/1.1 "), answer);
        return Integer.parseInt(answer.substring(9, 12));
    }

    @Test
    void aWholeRequestReachesTheHandlerAndTheConnectionCloses() {
        EmbeddedChannel ch = open();
        send(ch, "POST /workers/scale?delta=-1 HTTP/1.1\r\nHost: 127.0.0.1:9901\r\nAuthorization: bearer x\r\nContent-Length: 0\r\n\r\n");
        String a = answer(ch);
        assertEquals(200, status(a), a);
        assertTrue(a.contains("connection: close\r\n") || a.contains("Connection: close\r\n"), a);
        assertTrue(a.endsWith("{\"path\":\"/workers/scale\"}"), a);
        assertFalse(ch.isActive(), "one request per connection");
        AdminRequest r = handled.get(0);
        assertEquals("POST", r.method());
        assertEquals("/workers/scale", r.path());
        assertEquals("delta=-1", r.rawQuery());
        assertEquals("127.0.0.1:9901", r.header("host"));
        assertEquals("bearer x", r.header("Authorization"));
        assertEquals(0, connections.size());
    }

    @Test
    void aForeignHostIsRefused() {
        EmbeddedChannel ch = open();
        send(ch, "GET /status HTTP/1.1\r\nHost: evil.example:9901\r\n\r\n");
        assertEquals(403, status(answer(ch)));
        assertFalse(ch.isActive());
    }

    @Test
    void aBodyPastTheLimitIs413AndNeverHandled() {
        EmbeddedChannel ch = open();
        send(ch, "POST /workers/reload HTTP/1.1\r\nHost: 127.0.0.1:9901\r\nContent-Length: " + (AdminHttpServer.MAX_BODY + 1) + "\r\n\r\n");
        String a = answer(ch);
        assertEquals(413, status(a), a);
        assertTrue(a.contains("\"error\":\"request body larger than 4096 bytes\""), a);
        assertFalse(ch.isActive());
        // a chunked body that grows past it too
        EmbeddedChannel chunked = open();
        send(chunked, "POST /workers/reload HTTP/1.1\r\nHost: 127.0.0.1:9901\r\nTransfer-Encoding: chunked\r\n\r\n");
        send(chunked, "1001\r\n" + "x".repeat(AdminHttpServer.MAX_BODY + 1) + "\r\n");
        assertEquals(413, status(answer(chunked)));
        // one that asks first (Expect: 100-continue) is told so, and closed
        EmbeddedChannel expect = open();
        send(expect, "POST /workers/reload HTTP/1.1\r\nHost: 127.0.0.1:9901\r\nExpect: 100-continue\r\nContent-Length: 99999\r\n\r\n");
        assertEquals(413, status(answer(expect)));
        assertFalse(expect.isActive());
        assertTrue(handled.isEmpty());
    }

    @Test
    void aHeadPastTheLimitIs431() {
        EmbeddedChannel ch = open();
        send(ch, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\nX-Filler: " + "a".repeat(AdminHttpServer.MAX_HEAD) + "\r\n\r\n");
        assertEquals(431, status(answer(ch)));
        EmbeddedChannel line = open();
        send(line, "GET /" + "a".repeat(AdminHttpServer.MAX_HEAD) + " HTTP/1.1\r\n\r\n");
        assertEquals(431, status(answer(line)));
        assertTrue(handled.isEmpty());
    }

    @Test
    void badRequestsGet400AndNeverReachTheHandler() {
        for (String bad : List.of("GET\r\n\r\n", "GET http://evil/ HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET / FOO/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET / HTTP/1.1\r\nnocolon\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n")) {
            EmbeddedChannel ch = open();
            send(ch, bad);
            String a = answer(ch);
            assertEquals(400, status(a), bad + " -> " + a);
            assertFalse(ch.isActive(), bad);
        }
        assertTrue(handled.isEmpty(), handled.toString());
    }

    @Test
    void aHalfSentRequestIsClosedAtTheDeadlineEvenIfItTrickles() {
        EmbeddedChannel ch = open();
        send(ch, "GET /status HTTP/1.1\r\n");
        for (int i = 0; i < 4; i++) {
            ch.advanceTimeBy(1200, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            send(ch, "X-" + i + ": y\r\n"); // a byte now and then does not reset the deadline
        }
        assertTrue(ch.isActive(), "open before the deadline");
        ch.advanceTimeBy(TIMEOUT_MILLIS - 4 * 1200, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isActive(), "closed at the deadline");
        assertEquals("", answer(ch));
        assertTrue(handled.isEmpty());
        assertEquals(0, connections.size());
    }

    @Test
    void aRequestBeingHandledHasNoDeadline() {
        List<Runnable> queued = new ArrayList<>();
        EmbeddedChannel ch = open(queued::add);
        send(ch, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\n");
        ch.advanceTimeBy(TIMEOUT_MILLIS * 2, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isActive(), "the handler's time is not the client's");
        queued.get(0).run();
        ch.runPendingTasks();
        assertEquals(200, status(answer(ch)));
        assertFalse(ch.isActive());
    }

    @Test
    void anAnswerNotReadIsClosedAtTheDeadline() {
        EmbeddedChannel ch = open();
        // a client that reads nothing: the write never completes
        ch.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
            }
        });
        send(ch, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\n");
        assertEquals(1, handled.size());
        ch.advanceTimeBy(TIMEOUT_MILLIS - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isActive(), "open before the deadline");
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isActive(), "closed at the deadline");
    }

    @Test
    void aFullExecutorIs503() {
        EmbeddedChannel ch = open(r -> {
            throw new RejectedExecutionException("full");
        });
        send(ch, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\n");
        String a = answer(ch);
        assertEquals(503, status(a), a);
        assertTrue(a.contains("the admin endpoint is busy"), a);
    }

    @Test
    void pastTheCapTheOldestUnfinishedRequestMakesRoom() {
        List<Runnable> queued = new ArrayList<>();
        List<EmbeddedChannel> open = new ArrayList<>();
        EmbeddedChannel handling = open(queued::add);
        send(handling, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\n");
        for (int i = 1; i < AdminHttpServer.MAX_CONNECTIONS; i++) {
            EmbeddedChannel ch = open();
            send(ch, "GET /status HTTP/1.1\r\n");
            open.add(ch);
        }
        assertEquals(AdminHttpServer.MAX_CONNECTIONS, connections.size());
        EmbeddedChannel late = open();
        assertTrue(late.isActive());
        assertFalse(open.get(0).isActive(), "the oldest still sending is closed");
        assertTrue(handling.isActive(), "the one being handled is not");
        assertTrue(open.get(1).isActive());
        assertEquals(AdminHttpServer.MAX_CONNECTIONS, connections.size());
        send(late, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\n");
        assertEquals(200, status(answer(late)));
    }

    @Test
    void pastTheCapWithEveryRequestBeingHandledTheNewOneIsClosed() {
        List<Runnable> queued = new ArrayList<>();
        for (int i = 0; i < AdminHttpServer.MAX_CONNECTIONS; i++) {
            send(open(queued::add), "GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\n");
        }
        EmbeddedChannel late = open();
        assertFalse(late.isActive());
        assertNull(late.readOutbound());
        assertEquals(AdminHttpServer.MAX_CONNECTIONS, connections.size());
    }

    @Test
    void aSecondRequestOnTheConnectionIsNotHandled() {
        EmbeddedChannel ch = open();
        send(ch, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\nGET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\n");
        assertEquals(1, handled.size());
        assertEquals("/status", handled.get(0).path());
        assertFalse(ch.isActive());
    }
}
