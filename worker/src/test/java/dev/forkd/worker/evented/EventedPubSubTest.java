package dev.forkd.worker.evented;

import dev.forkd.worker.common.Protocol;
import dev.forkd.worker.pubsub.BrokerClient;
import dev.forkd.worker.pubsub.PubSub;
import dev.forkd.api.Connection;
import dev.forkd.api.Delivery;
import dev.forkd.api.Handler;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxyV2;
import dev.forkd.shared.framing.Framing;
import dev.forkd.shared.pubsub.BrokerFrame;
import dev.forkd.shared.pubsub.BrokerOp;
import dev.forkd.shared.pubsub.EventKind;
import dev.forkd.shared.pubsub.LeaveReason;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publish/subscribe on the event loop, with the test as both the supervisor's relay (a client
 * stream) and its broker (broker.sock): deliveries go out from the loop, with no writer thread,
 * and a client that stops reading is dropped as slow once its outbound and then its outbox are full.
 */
@Timeout(30)
class EventedPubSubTest {
    private static final byte[] HEADER = ProxyV2.encode(new InetSocketAddress("192.0.2.7", 54321), new InetSocketAddress("127.0.0.1", 8888));

    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private ServerSocketChannel broker;
    private EventLoop loop;
    private CompletableFuture<Void> running;

    /** A loop whose every connection subscribes anonymously to topic "t" and is sent each message's payload. */
    private void start(int outbox) throws IOException {
        broker = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        broker.bind(UnixDomainSocketAddress.of(dir.resolve("broker.sock")));
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("worker.sock")));
        PubSub pubsub = new PubSub(new BrokerClient(dir.resolve("broker.sock"), 1, ProcessHandle.current().pid()), outbox);
        Handler subscribing = new Handler() {
            @Override
            public void onOpen(Connection c) throws Exception {
                c.subscribe("t", null, 0, d -> d.kind() == Delivery.Kind.MESSAGE ? d.payload() : null);
            }

            @Override
            public void onMessage(Connection c, ByteBuffer m) {
                // deliveries only
            }
        };
        AtomicLong ids = new AtomicLong(1);
        loop = new EventLoop(server, () -> subscribing, new Protocol(Framing.LINE, 64 * 1024, 0, 4096, 0), ch -> true, ids::getAndIncrement,
                () -> {
                    try {
                        server.close();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, new LoopWatchdog(0), pubsub);
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
        if (loop != null) {
            loop.drain();
            running.get(10, TimeUnit.SECONDS);
        }
        if (broker != null) {
            broker.close();
        }
    }

    private SocketChannel client() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(server.getLocalAddress());
        c.write(ByteBuffer.wrap(HEADER));
        return c;
    }

    private static BrokerFrame read(DataInputStream in) throws IOException {
        int length = in.readInt();
        byte[] body = new byte[4 + length];
        ByteBuffer.wrap(body).putInt(length);
        in.readFully(body, 4, length);
        return BrokerFrame.next(ByteBuffer.wrap(body));
    }

    private static void send(SocketChannel link, BrokerFrame f) throws IOException {
        ByteBuffer b = f.encode();
        while (b.hasRemaining()) {
            link.write(b);
        }
    }

    @Test
    void deliveriesReachTheClientInOrderFromTheLoopWithNoWriterThread() throws Exception {
        // room for the whole burst: the broker-read thread may queue all 500 before the loop
        // writes one (a busy machine), and a full outbox drops the client as slow by design
        start(1024);
        try (SocketChannel c = client(); SocketChannel link = broker.accept()) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(link));
            assertEquals(BrokerOp.HELLO, read(in).op());
            BrokerFrame sub = read(in);
            assertEquals(BrokerOp.SUB, sub.op());
            send(link, BrokerFrame.grant(sub.sub(), 0, List.of()));
            for (int i = 1; i <= 500; i++) {
                send(link, BrokerFrame.event("t", EventKind.MESSAGE, i, 1, "", null, ("m" + i).getBytes(UTF_8)));
            }
            for (int i = 1; i <= 500; i++) {
                assertEquals("m" + i, Lines.readLine(c));
            }
            assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("outbox-")),
                    "the loop writes the outbox itself");
        }
    }

    @Test
    void aClientThatStopsReadingFillsItsOutboundThenItsOutboxAndIsDroppedAsSlow() throws Exception {
        start(16);
        try (SocketChannel c = client(); SocketChannel link = broker.accept()) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(link));
            read(in);
            long sub = read(in).sub();
            send(link, BrokerFrame.grant(sub, 0, List.of()));
            byte[] kib = "x".repeat(1024).getBytes(UTF_8);
            CompletableFuture<BrokerFrame> unsub = CompletableFuture.supplyAsync(() -> {
                try {
                    return read(in);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            // the client reads nothing: the socket's buffers, then the 64 KiB outbound, then the 16-delivery outbox fill
            for (int i = 1; !unsub.isDone(); i++) {
                assertTrue(i < 100_000, "never dropped");
                send(link, BrokerFrame.event("t", EventKind.MESSAGE, i, 1, "", null, kib));
            }
            BrokerFrame f = unsub.get(10, TimeUnit.SECONDS);
            assertEquals(BrokerOp.UNSUB, f.op());
            assertEquals(LeaveReason.SLOW, f.reason());
            // the connection is closed at once, what waited dropped: the client reads what the socket held, then the end
            ByteBuffer rest = ByteBuffer.allocate(64 * 1024);
            while (readOrReset(c, rest) >= 0) {
                rest.clear();
            }
        }
    }

    private static int readOrReset(SocketChannel c, ByteBuffer b) {
        try {
            return c.read(b);
        } catch (IOException e) {
            return -1; // a reset is an end as good as EOF here
        }
    }
}
