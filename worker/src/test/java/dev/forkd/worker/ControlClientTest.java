package dev.forkd.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forkd.shared.ControlMessage;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlClientTest {
    @TempDir
    Path dir;

    /** The supervisor's end, and the worker's control client over the other, recording how it would exit. */
    private SocketChannel connect(ControlClient.Listener listener, BlockingQueue<Integer> exits) throws Exception {
        Path path = dir.resolve("control.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            SocketChannel worker = SocketChannel.open(StandardProtocolFamily.UNIX);
            worker.connect(UnixDomainSocketAddress.of(path));
            SocketChannel supervisor = server.accept();
            ControlClient.over(worker, exits::add).start(listener);
            return supervisor;
        }
    }

    @Test
    void theSupervisorGoneEndsTheWorker() throws Exception {
        BlockingQueue<Integer> exits = new ArrayBlockingQueue<>(1);
        SocketChannel supervisor = connect(new ControlClient.Listener() {
            @Override
            public void onDrain() {
            }

            @Override
            public void onStop() {
            }
        }, exits);
        supervisor.close();
        assertEquals(0, exits.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void anErrorOnTheControlThreadEndsTheWorkerInsteadOfOrphaningIt() throws Exception {
        BlockingQueue<Integer> exits = new ArrayBlockingQueue<>(1);
        SocketChannel supervisor = connect(new ControlClient.Listener() {
            @Override
            public void onDrain() {
                // what a forkd.jar replaced under a running worker gives
                throw new NoClassDefFoundError("dev/forkd/worker/Gone");
            }

            @Override
            public void onStop() {
            }
        }, exits);
        try (supervisor) {
            supervisor.write(ByteBuffer.wrap(ControlMessage.drain().encode().getBytes(StandardCharsets.US_ASCII)));
            // the channel stays open: only the thread's failure may end the worker here
            assertEquals(70, exits.poll(10, TimeUnit.SECONDS));
        }
    }
}
