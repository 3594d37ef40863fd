package dev.forkd.worker;

import dev.forkd.worker.common.WorkerExit;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.ExitCodes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * The worker's end of the control channel. The supervisor holds the other end for the worker's
 * whole life: when it breaks, the supervisor is gone and the worker exits at once, so that no
 * worker outlives its supervisor, even one killed with SIGKILL.
 */
final class ControlClient {

    interface Listener {
        void onDrain();

        void onStop();
    }

    private final SocketChannel channel;
    /** How the worker ends when the channel does: {@link WorkerExit#now}; tests record it instead. */
    private final IntConsumer exit;

    private ControlClient(SocketChannel channel, IntConsumer exit) {
        this.channel = channel;
        this.exit = exit;
    }

    static ControlClient connect(Path controlSocket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(controlSocket));
        return new ControlClient(ch, WorkerExit::now);
    }

    /** Over a channel already connected; {@code exit} is told the code the worker would exit with. */
    static ControlClient over(SocketChannel channel, IntConsumer exit) {
        return new ControlClient(channel, exit);
    }

    void send(ControlMessage message) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(message.encode().getBytes(StandardCharsets.US_ASCII));
        synchronized (this) {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }
    }

    /** Reads the supervisor's messages on a daemon thread until the channel breaks. */
    void start(Listener listener) {
        Thread t = new Thread(() -> readLoop(listener), "control");
        t.setDaemon(true);
        t.start();
    }

    private void readLoop(Listener listener) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                ControlMessage m = ControlMessage.parse(line);
                switch (m.type()) {
                    case PING:
                        send(ControlMessage.pong(m.a()));
                        break;
                    case DRAIN:
                        listener.onDrain();
                        break;
                    case STOP:
                        listener.onStop();
                        break;
                    default:
                        WorkerLog.warn("unexpected control message from the supervisor: {}", line);
                }
            }
            WorkerLog.warn("control channel closed: the supervisor is gone; exiting");
        } catch (IOException | RuntimeException e) {
            WorkerLog.warn("control channel broke ({}): the supervisor is gone; exiting", e.toString());
        } catch (Error e) {
            // this thread is the worker's tie to its supervisor: were it to die, the worker would outlive
            // the supervisor (seen: forkd.jar replaced under a running forkd, a NoClassDefFoundError here
            // left its workers orphaned, ppid 1, for good). The halt must not need a class not loaded yet.
            try {
                WorkerLog.error("control thread failed ({}); exiting", e.toString());
            } finally {
                exit.accept(ExitCodes.INTERNAL);
            }
            return;
        }
        exit.accept(ExitCodes.OK);
    }
}
