package dev.forkd.supervisor.control;

import dev.forkd.shared.ControlMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** The supervisor's end of one worker's control channel. */
public final class ControlSession {
    private static final Logger LOG = LogManager.getLogger(ControlSession.class);

    final SocketChannel channel;
    public final int workerId;
    public final long pid;

    public ControlSession(SocketChannel channel, int workerId, long pid) {
        this.channel = channel;
        this.workerId = workerId;
        this.pid = pid;
    }

    /**
     * Sends one message. Blocking, but control messages are a few bytes and the socket buffer holds
     * thousands of them, so even a hung worker cannot block the caller before it is timed out.
     */
    public boolean send(ControlMessage m) {
        ByteBuffer b = ByteBuffer.wrap(m.encode().getBytes(StandardCharsets.US_ASCII));
        try {
            synchronized (this) {
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            }
            return true;
        } catch (IOException e) {
            LOG.debug("control message to worker {} failed: {}", workerId, e.toString());
            return false;
        }
    }

    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing control channel of worker {}: {}", workerId, e.toString());
        }
    }
}
