package dev.forkd.worker.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forkd.shared.pubsub.BrokerFrame;
import dev.forkd.shared.pubsub.BrokerOp;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The worker's link to the supervisor's broker (broker.sock), with the test as the broker. */
@Timeout(30)
class BrokerClientTest {
    @TempDir
    Path dir;

    private static BrokerFrame read(DataInputStream in) throws IOException {
        int length = in.readInt();
        byte[] body = new byte[4 + length];
        ByteBuffer.wrap(body).putInt(length);
        in.readFully(body, 4, length);
        return BrokerFrame.next(ByteBuffer.wrap(body));
    }

    @Test
    void aBrokerLinkThatFailsAtBootIsLeftToTheFirstUseWhichLinks() throws Exception {
        Path socket = dir.resolve("broker.sock");
        BrokerClient client = new BrokerClient(socket, 1, ProcessHandle.current().pid());
        client.linkEarly(); // nothing listens yet: logged, not thrown
        try (ServerSocketChannel broker = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            broker.bind(UnixDomainSocketAddress.of(socket));
            client.publish("t", 0, ByteBuffer.wrap("hi".getBytes(UTF_8)));
            try (SocketChannel link = broker.accept()) {
                DataInputStream in = new DataInputStream(Channels.newInputStream(link));
                assertEquals(BrokerOp.HELLO, read(in).op());
                BrokerFrame pub = read(in);
                assertEquals(BrokerOp.PUB, pub.op());
                assertEquals("hi", new String(pub.payload(), UTF_8));
            }
        }
    }
}
