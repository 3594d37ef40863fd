package dev.forkd.worker.blocking;

import dev.forkd.worker.common.Protocol;
import dev.forkd.api.Handler;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For the connection tests ({@code @RegisterExtension}): a worker's Unix socket in a fresh
 * directory for each test, the threads that run its connections, and everything closed after.
 */
final class RelayFixture implements BeforeEachCallback, AfterEachCallback {
    private Path dir;
    private ServerSocketChannel server;
    private ExecutorService threads;
    private final List<SocketChannel> channels = new ArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("forkd-relay-");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("worker.sock")));
        threads = Executors.newCachedThreadPool();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        threads.shutdownNow();
        for (SocketChannel ch : channels) {
            ch.close();
        }
        channels.clear();
        server.close();
        Files.deleteIfExists(dir.resolve("worker.sock"));
        Files.deleteIfExists(dir);
    }

    /** Both ends of one stream over the worker's socket: the relay's and the worker's accepted one. */
    record Pair(SocketChannel client, SocketChannel accepted) {
    }

    /** A new stream, both ends closed after the test. */
    Pair connect() throws IOException {
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
        channels.add(client);
        client.connect(server.getLocalAddress());
        SocketChannel accepted = server.accept();
        channels.add(accepted);
        return new Pair(client, accepted);
    }

    /** Runs a connection on the fixture's threads, stopped after the test. */
    Future<?> run(Runnable connection) {
        return threads.submit(connection);
    }

    /** A relayed stream, its header sent, served by a running ClientConnection. */
    RelayedStream open(Protocol protocol, Handler handler) throws IOException {
        return new RelayedStream(this, protocol, handler);
    }

    /** A connection accepted but not run: for what the worker's watchdog calls on it. */
    ClientConnection idle(Protocol protocol, Handler handler) throws IOException {
        return new ClientConnection(1, connect().accepted(), handler, protocol);
    }
}
