package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.supervisor.common.Transport;
import dev.forkd.supervisor.pool.WorkerProcess;
import dev.forkd.supervisor.rundir.SocketOwner;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The peer check on a real worker stream, whose peer is this very process. */
@Timeout(20)
class WorkerPeerCheckTest {
    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private EventLoopGroup group;
    private Channel stream;
    private Path socket;

    @BeforeEach
    void listen() throws Exception {
        assumeTrue(Epoll.isAvailable(), "the per-connection pid check needs native epoll");
        socket = dir.resolve("w.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Transport t = Transport.get();
        group = t.group(1, "test");
        stream = t.newWorkerStream();
        stream.pipeline().addLast(new ChannelInboundHandlerAdapter());
        group.register(stream).sync();
        stream.connect(t.workerAddress(socket)).sync();
    }

    @AfterEach
    void close() throws Exception {
        if (stream != null) {
            stream.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (server != null) {
            server.close();
        }
    }

    private static WorkerProcess worker(Path socket, long pid) {
        WorkerProcess w = new WorkerProcess(1, socket, 1);
        w.pid = pid;
        return w;
    }

    @Test
    void theWorkerWeLaunchedIsTrusted() throws Exception {
        WorkerProcess w = worker(socket, ProcessHandle.current().pid());
        assertTrue(WorkerPeerCheck.ofThisProcess(new SocketOwner()).trusted(w, stream));
        assertNull(w.distrusted.get());
    }

    @Test
    void anotherProcessOfOurUserIsNot() throws Exception {
        WorkerProcess w = worker(socket, ProcessHandle.current().pid() + 1_000_000);
        assertFalse(WorkerPeerCheck.ofThisProcess(new SocketOwner()).trusted(w, stream));
        assertTrue(w.distrusted.get().startsWith("process " + ProcessHandle.current().pid() + " of this user"), w.distrusted.get());
    }

    @Test
    void aUidNamesItsUser() {
        assertEquals("root", UserNames.of(0));
        assertEquals("uid 2147483", UserNames.of(2147483));
        assertTrue(Files.exists(Path.of("/etc/passwd")));
    }
}
