package dev.forkd.worker;

import dev.forkd.worker.blocking.UpperLines;
import dev.forkd.worker.common.Protocol;
import dev.forkd.api.StreamHandler;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ExitCodes;
import dev.forkd.shared.ProxyV2;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A worker's listener serving a StreamHandler, and a worker refusing one where it cannot run. */
@Timeout(20)
class StreamWorkerServerTest {
    private static final byte[] HEADER = ProxyV2.encode(new InetSocketAddress("192.0.2.7", 54321), new InetSocketAddress("127.0.0.1", 8888));

    @TempDir
    Path dir;
    private final List<SocketChannel> clients = new ArrayList<>();
    private WorkerServer server;

    @AfterEach
    void tearDown() throws IOException {
        for (SocketChannel c : clients) {
            c.close();
        }
        if (server != null) {
            server.stopAccepting();
        }
    }

    private SocketChannel connect(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        clients.add(c);
        c.connect(UnixDomainSocketAddress.of(socket));
        write(c, HEADER);
        return c;
    }

    private static void write(SocketChannel c, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            c.write(buf);
        }
    }

    private static String read(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("EOF after " + b.position() + " bytes");
            }
        }
        return new String(b.array(), UTF_8);
    }

    @Test
    void threadedServesStreamConnectionsAtOnceAndADrainWaitsForHandleToReturn() throws Exception {
        Path socket = dir.resolve("w.sock");
        server = new WorkerServer(socket, Handlers.ofStreams(UpperLines::new), ConnectionModel.THREAD_PER_CONNECTION,
                Protocol.raw(4096));
        server.bind();
        Thread serving = new Thread(server::serve, "serve");
        serving.start();

        SocketChannel slow = connect(socket);
        write(slow, "half a li".getBytes(UTF_8));
        SocketChannel quick = connect(socket);
        write(quick, "quick\n".getBytes(UTF_8));
        // the slow one's handler is blocked in readLine(); the quick one has a thread of its own
        assertEquals("QUICK\n", read(quick, 6));
        quick.shutdownOutput();
        assertEquals(-1, quick.read(ByteBuffer.allocate(1)));

        server.drain();
        serving.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(serving.isAlive(), "the listener stopped taking connections");
        CompletableFuture<Void> idle = CompletableFuture.runAsync(() -> {
            try {
                server.awaitIdle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertFalse(idle.isDone(), "the slow connection's handle() has not returned");
        write(slow, "ne\n".getBytes(UTF_8));
        assertEquals("HALF A LINE\n", read(slow, 12));
        slow.shutdownOutput();
        idle.get(10, TimeUnit.SECONDS);
    }

    @Test
    void preforkServesThemOneAfterTheOther() throws Exception {
        Path socket = dir.resolve("w.sock");
        server = new WorkerServer(socket, Handlers.ofStreams(UpperLines::new), ConnectionModel.ONE_AT_A_TIME,
                Protocol.raw(64));
        server.bind();
        Thread serving = new Thread(server::serve, "serve");
        serving.start();
        for (int i = 0; i < 3; i++) {
            SocketChannel c = connect(socket);
            // longer than the 64-byte buffer: a line in several reads
            String line = "line " + i + " " + "x".repeat(150);
            write(c, (line + "\n").getBytes(UTF_8));
            assertEquals(line.toUpperCase() + "\n", read(c, line.length() + 1));
            c.shutdownOutput();
            assertEquals(-1, c.read(ByteBuffer.allocate(1)));
        }
        server.drain();
        serving.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(serving.isAlive());
    }

    @Test
    void anEventLoopNeverRunsAStreamHandler() throws IOException {
        WorkerServer evented = new WorkerServer(dir.resolve("e.sock"), Handlers.ofStreams(UpperLines::new),
                ConnectionModel.EVENT_LOOP, Protocol.raw(4096));
        try {
            assertThrows(IllegalStateException.class, evented::bind);
        } finally {
            evented.stopAccepting();
        }
    }

    @Test
    void anEventedWorkerWithAStreamHandlerCannotBoot() {
        WorkerMain w = WorkerMain.parse(new String[] {"--id", "1", "--socket", dir.resolve("w.sock").toString(), "--control",
                dir.resolve("c.sock").toString(), "--evented", "--handler", StreamHandlerStyleTest.Lines.class.getName()});
        BootException e = assertThrows(BootException.class, w::boot);
        assertTrue(e.getMessage().contains("is a StreamHandler") && e.getMessage().contains("--model threaded"), e.getMessage());
        assertEquals(ExitCodes.BOOT_FAILURE, w.call(), "exit 3: the supervisor gives up rather than restart it in a loop");
    }

    @Test
    void aFramedWorkerWithAStreamHandlerCannotBoot() {
        WorkerMain w = WorkerMain.parse(new String[] {"--id", "1", "--socket", dir.resolve("w.sock").toString(), "--control",
                dir.resolve("c.sock").toString(), "--threaded", "--framing", "line", "--handler", StreamHandlerStyleTest.Lines.class.getName()});
        BootException e = assertThrows(BootException.class, w::boot);
        assertTrue(e.getMessage().contains("--framing raw"), e.getMessage());
    }
}
