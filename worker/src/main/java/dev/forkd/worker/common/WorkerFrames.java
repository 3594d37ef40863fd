package dev.forkd.worker.common;

import dev.forkd.api.Connection;
import dev.forkd.shared.Heartbeat;
import dev.forkd.shared.framing.Framing;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What a worker does with a frame before its handler sees it, the same in every model: the
 * seed's heartbeat is answered by the worker itself, and a malformed one is bad input.
 */
public final class WorkerFrames {
    /** Where a frame goes. */
    enum Route {
        HANDLER,
        /** A ping: the worker answers {@link #pong}. */
        PONG,
        /** A pong from the client: nothing to do. */
        IGNORE
    }

    private WorkerFrames() {
    }

    /** @throws BadInputException for a heartbeat that is not valid JSON */
    static Route route(Protocol protocol, ByteBuffer frame) throws BadInputException {
        if (!protocol.framed()) {
            return Route.HANDLER;
        }
        switch (Heartbeat.classify(protocol.framing(), frame)) {
            case PING:
                return Route.PONG;
            case PONG:
                return Route.IGNORE;
            case MALFORMED:
                throw new BadInputException("malformed heartbeat: not valid JSON");
            default:
                return Route.HANDLER;
        }
    }

    /** A handler call for one frame. */
    public interface ToHandler {
        void onMessage(ByteBuffer frame) throws Exception;
    }

    /**
     * One frame, in any model: a ping is answered on {@code connection}, a pong dropped, a
     * malformed heartbeat is bad input, and anything else goes to the handler.
     */
    public static void dispatch(Protocol protocol, Connection connection, ByteBuffer frame, ToHandler handler) throws Exception {
        switch (route(protocol, frame)) {
            case PONG:
                ByteBuffer pong = pong(protocol, connection.id());
                if (pong != null) {
                    connection.reply(pong);
                }
                return;
            case IGNORE:
                return;
            default:
                handler.onMessage(frame);
        }
    }

    /** The pong in this framing's terms (a fixed record padded with spaces), or null when it cannot fit a record. */
    static ByteBuffer pong(Protocol protocol, long connectionId) {
        ByteBuffer pong = Heartbeat.pong();
        if (protocol.framing() != Framing.FIXED) {
            return pong;
        }
        if (protocol.fixedSize() < pong.remaining()) {
            WorkerLog.debug("connection {}: a pong does not fit a {}-byte record; ping not answered", connectionId, protocol.fixedSize());
            return null;
        }
        ByteBuffer padded = ByteBuffer.allocate(protocol.fixedSize());
        padded.put(pong);
        while (padded.hasRemaining()) {
            padded.put((byte) ' ');
        }
        return padded.flip();
    }

    /**
     * Whether a framed connection that sent its last message at {@code lastMessageNanos} has been
     * silent, pings included, past the heartbeat timeout; if so, logs that it is closed for it.
     */
    public static boolean heartbeatTimedOut(Protocol protocol, long connectionId, InetSocketAddress client, long lastMessageNanos, long nowNanos) {
        long timeout = protocol.heartbeatTimeoutNanos();
        if (timeout <= 0 || !protocol.framed() || nowNanos - lastMessageNanos <= timeout) {
            return false;
        }
        WorkerLog.info("connection {} from {}: no message for {} s (heartbeat timeout); closing",
                connectionId, describe(client), TimeUnit.NANOSECONDS.toSeconds(nowNanos - lastMessageNanos));
        return true;
    }

    /** The client's address for log lines. */
    public static String describe(InetSocketAddress a) {
        return a == null ? "(unknown)" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
