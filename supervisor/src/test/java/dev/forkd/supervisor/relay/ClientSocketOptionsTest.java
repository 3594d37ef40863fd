package dev.forkd.supervisor.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The options as the kernel reports them back on a real accepted loopback socket. */
@Timeout(10)
class ClientSocketOptionsTest {
    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel accepted;

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = SocketChannel.open(server.getLocalAddress());
        accepted = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        accepted.close();
        client.close();
        server.close();
    }

    /** The option's value, or null where this platform does not have it. */
    private <T> T readBack(SocketOption<T> option) throws IOException {
        return accepted.supportedOptions().contains(option) ? accepted.getOption(option) : null;
    }

    @Test
    void keepAliveWithItsTimings() throws IOException {
        assertFalse(accepted.getOption(StandardSocketOptions.SO_KEEPALIVE), "precondition: off by default");
        new ClientSocketOptions(new KeepAlive(true, Duration.ofSeconds(30), Duration.ofSeconds(5), 4))
                .apply(new NioSocketChannel(accepted));

        assertTrue(accepted.getOption(StandardSocketOptions.SO_KEEPALIVE));
        assertTrue(accepted.getOption(StandardSocketOptions.TCP_NODELAY));
        Integer idle = readBack(ExtendedSocketOptions.TCP_KEEPIDLE);
        Integer interval = readBack(ExtendedSocketOptions.TCP_KEEPINTERVAL);
        Integer count = readBack(ExtendedSocketOptions.TCP_KEEPCOUNT);
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertNotNull(idle, "Linux has TCP_KEEPIDLE");
            assertNotNull(interval, "Linux has TCP_KEEPINTVL");
            assertNotNull(count, "Linux has TCP_KEEPCNT");
        }
        if (idle != null) {
            assertEquals(30, idle);
        }
        if (interval != null) {
            assertEquals(5, interval);
        }
        if (count != null) {
            assertEquals(4, count);
        }
    }

    @Test
    void keepAliveWithoutTimingsLeavesTheSystemDefaults() throws IOException {
        Integer idleBefore = readBack(ExtendedSocketOptions.TCP_KEEPIDLE);
        Integer countBefore = readBack(ExtendedSocketOptions.TCP_KEEPCOUNT);
        new ClientSocketOptions(new KeepAlive(true, null, null, null)).apply(new NioSocketChannel(accepted));

        assertTrue(accepted.getOption(StandardSocketOptions.SO_KEEPALIVE));
        assertEquals(idleBefore, readBack(ExtendedSocketOptions.TCP_KEEPIDLE));
        assertEquals(countBefore, readBack(ExtendedSocketOptions.TCP_KEEPCOUNT));
    }

    @Test
    void keepAliveOffStillSetsNoDelay() throws IOException {
        new ClientSocketOptions(KeepAlive.off()).apply(new NioSocketChannel(accepted));

        assertFalse(accepted.getOption(StandardSocketOptions.SO_KEEPALIVE));
        assertTrue(accepted.getOption(StandardSocketOptions.TCP_NODELAY));
    }

    @Test
    void aClosedSocketIsNotAnError() throws IOException {
        NioSocketChannel ch = new NioSocketChannel(accepted);
        accepted.close();
        // a client that went away before its options were set: the relay finds out on its first read
        new ClientSocketOptions(new KeepAlive(true, Duration.ofSeconds(30), Duration.ofSeconds(5), 4)).apply(ch);
    }
}
