package dev.forkd.worker;

import dev.forkd.worker.common.Protocol;
import dev.forkd.api.Handler;
import dev.forkd.api.StreamHandler;
import dev.forkd.shared.WorkerContract;
import java.util.function.Supplier;

/**
 * The handlers a worker serves its connections with: message handlers ({@link Handler}, fed frames
 * by forkd) or stream handlers ({@link StreamHandler}, which read the stream themselves on their
 * own thread). Exactly one of the two suppliers is set.
 */
record Handlers(Supplier<Handler> messages, Supplier<StreamHandler> streams) {

    static Handlers ofMessages(Supplier<Handler> messages) {
        return new Handlers(messages, null);
    }

    static Handlers ofStreams(Supplier<StreamHandler> streams) {
        return new Handlers(null, streams);
    }

    boolean stream() {
        return streams != null;
    }

    /** Whether the handler writes first, asked of a fresh instance. */
    boolean speaksFirst() {
        return stream() ? streams.get().speaksFirst() : messages.get().speaksFirst();
    }

    /**
     * A stream handler blocks its thread and reads the bytes itself: it needs a model with a thread
     * per connection (every one but evented), and raw framing (no frames, so no framed heartbeat).
     *
     * @param name the --handler value, for the message
     * @throws BootException naming what to change, so that the operator sees why in forkd's log
     */
    void requireServable(String name, ConnectionModel model, Protocol protocol) throws BootException {
        if (!stream()) {
            return;
        }
        if (model == ConnectionModel.EVENT_LOOP) {
            throw new BootException("handler " + name + " is a StreamHandler: it blocks its thread in read() and write(), and --model evented"
                    + " serves every connection on one thread; use --model threaded (a thread per connection), prefork (the default),"
                    + " iterative or fork-per-connection, or write it as a " + Handler.class.getName());
        }
        if (protocol.framed()) {
            throw new BootException("handler " + name + " is a StreamHandler: it reads the byte stream itself, so forkd must not cut it into"
                    + " frames; use --framing raw (the default), not " + WorkerContract.OPT_FRAMING + " " + protocol.framing().name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
