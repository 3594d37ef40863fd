package dev.forkd.supervisor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.forkd.shared.pubsub.BrokerFrame;
import dev.forkd.shared.pubsub.BrokerOp;
import dev.forkd.shared.pubsub.EventKind;
import dev.forkd.shared.pubsub.LeaveReason;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker's socket with real Unix-socket clients standing in for workers 1 (pid 42) and 2 (pid 43). */
class BrokerServerTest {
    @TempDir
    Path dir;
    private BrokerServer server;
    private Path socket;

    @BeforeEach
    void start() throws IOException {
        socket = BrokerServer.socketIn(dir);
        server = new BrokerServer(socket, (id, pid) -> id == 1 && pid == 42 || id == 2 && pid == 43, BrokerSettings.withHistory(20));
        server.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.close();
    }

    private final class Worker implements AutoCloseable {
        final SocketChannel ch;
        final DataInputStream in;

        Worker() throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            in = new DataInputStream(Channels.newInputStream(ch));
        }

        void send(BrokerFrame f) throws IOException {
            send(f.encode());
        }

        void send(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        /** The next frame, or null once the broker closed the link. */
        BrokerFrame next() throws IOException {
            try {
                int length = in.readInt();
                byte[] body = new byte[4 + length];
                ByteBuffer.wrap(body).putInt(length);
                in.readFully(body, 4, length);
                return BrokerFrame.next(ByteBuffer.wrap(body));
            } catch (EOFException e) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    @Test
    void theSocketIsTheOwnersOnly() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }

    @Test
    void twoWorkersShareATopicAndACrashIsAnnounced() throws IOException {
        try (Worker a = new Worker(); Worker b = new Worker()) {
            a.send(BrokerFrame.hello(1, 42));
            a.send(BrokerFrame.sub(1, "room", "ada", 0));
            assertEquals(BrokerOp.GRANT, a.next().op());
            assertEquals(EventKind.JOINED, a.next().kind());
            b.send(BrokerFrame.hello(2, 43));
            b.send(BrokerFrame.sub(1, "room", "bob", 0));
            assertEquals(BrokerOp.GRANT, b.next().op());
            assertEquals("bob", a.next().member());
            b.next(); // its own join
            b.send(BrokerFrame.pub("room", 1, "hi".getBytes(StandardCharsets.UTF_8)));
            BrokerFrame said = a.next();
            assertEquals(EventKind.MESSAGE, said.kind());
            assertEquals("bob", said.member());
            assertEquals(3, said.seq());
            b.close(); // the worker dies: no goodbye
            BrokerFrame left = a.next();
            assertEquals(EventKind.LEFT, left.kind());
            assertEquals("bob", left.member());
            assertEquals(LeaveReason.CRASHED, left.reason());
        }
    }

    @Test
    void aPeerThatIsNotALiveWorkerIsClosed() throws IOException {
        try (Worker stranger = new Worker()) {
            stranger.send(BrokerFrame.hello(1, 999)); // worker 1's id with another pid
            assertNull(stranger.next(), "closed without an answer");
        }
        try (Worker rude = new Worker()) {
            rude.send(BrokerFrame.sub(1, "room", "eve", 0)); // no HELLO first
            assertNull(rude.next());
        }
    }

    @Test
    void aDeletedSocketIsBoundAgainAndOpenLinksLiveOn() throws Exception {
        try (Worker a = new Worker()) {
            a.send(BrokerFrame.hello(1, 42));
            a.send(BrokerFrame.sub(1, "room", "ada", 0));
            assertEquals(BrokerOp.GRANT, a.next().op());
            a.next();
            Files.delete(socket);
            org.junit.jupiter.api.Assertions.assertTrue(server.restoreIfGone());
            org.junit.jupiter.api.Assertions.assertFalse(server.restoreIfGone(), "only when gone");
            try (Worker b = new Worker()) {
                b.send(BrokerFrame.hello(2, 43));
                b.send(BrokerFrame.sub(1, "room", "bob", 0));
                assertEquals(BrokerOp.GRANT, b.next().op());
            }
            assertEquals("bob", a.next().member(), "the link opened before the loss still hears the room");
        }
    }

    @Test
    void aFrameOverTheLimitEndsTheLink() throws IOException {
        try (Worker a = new Worker()) {
            a.send(BrokerFrame.hello(1, 42));
            a.send(ByteBuffer.allocate(8).putInt(BrokerFrame.MAX_FRAME + 1).putInt(0).flip());
            assertNull(a.next());
        }
        try (Worker again = new Worker()) {
            again.send(BrokerFrame.hello(1, 42));
            again.send(BrokerFrame.sub(1, "room", "ada", 0));
            assertEquals(BrokerOp.GRANT, again.next().op(), "the broker serves on");
        }
    }
}
