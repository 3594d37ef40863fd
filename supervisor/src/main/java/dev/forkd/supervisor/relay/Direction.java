package dev.forkd.supervisor.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.LongConsumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One direction of a {@link RelayedConnection}: bytes read from one side are written to the other
 * at once; only what that write could not take is kept, in a buffer borrowed from the loop's
 * pool, and the side is not read again until it is flushed (backpressure). So a direction holds
 * no buffer at all while its bytes flow (or it is idle), and at most one, of the relay's buffer
 * size, while its peer is slow. What its failures and its end mean is its connection's to say.
 * On the loop's thread only.
 */
final class Direction {
    private static final Logger LOG = LogManager.getLogger(Direction.class);
    /** At most this many reads per readiness event, so that one busy connection cannot starve the others. */
    private static final int MAX_READS_PER_EVENT = 4;

    /** What the connection does when this direction ends or fails. */
    interface Ends {
        /** The source reset or broke. */
        void readFailed();

        /** The source sent EOF ({@link #eof()} is set). */
        void ended();

        /** The destination takes no more bytes. */
        void writeFailed();

        /** True while nothing more may be read this way (its bytes would go nowhere). */
        boolean stopped();
    }

    private final RelayedConnection owner;
    private final String from;
    private final String to;
    private final SocketChannel source;
    private final SocketChannel destination;
    private final LongConsumer onRead;
    private final LongConsumer onWritten;
    private final Ends ends;
    /** Bytes read from the source but not yet written, in drain mode; null if none. */
    private ByteBuffer pending;
    private boolean eof;
    /** Not read for want of memory budget; see {@link RelayLoop#pause}. */
    private boolean paused;
    /** Bytes read from the source. */
    private long moved;

    /**
     * @param from the source's name in logs ("client", "worker")
     * @param onRead told of each read's byte count; onWritten of each write's
     */
    Direction(RelayedConnection owner, String from, SocketChannel source, String to, SocketChannel destination,
            LongConsumer onRead, LongConsumer onWritten, Ends ends) {
        this.owner = owner;
        this.from = from;
        this.to = to;
        this.source = source;
        this.destination = destination;
        this.onRead = onRead;
        this.onWritten = onWritten;
        this.ends = ends;
    }

    /** Bytes to send before any read (a one-off heap buffer, held against the budget once registered). */
    void preload(ByteBuffer bytes) {
        pending = bytes;
    }

    /** Reads and passes on at once; what the destination cannot take now waits in a pending buffer. */
    void read(RelayLoop loop) {
        ByteBuffer buf = loop.scratch();
        for (int i = 0; i < MAX_READS_PER_EVENT && pending == null && !eof && !ends.stopped(); i++) {
            if (!loop.mayRead()) {
                paused = true;
                loop.pause(owner, from + "s");
                return;
            }
            buf.clear();
            int n;
            try {
                n = source.read(buf);
            } catch (IOException e) {
                LOG.debug("connection {}: {} read: {}", owner.id, from, e.toString());
                ends.readFailed();
                return;
            }
            if (n < 0) {
                eof = true;
                ends.ended();
                return;
            }
            if (n == 0) {
                return;
            }
            onRead.accept(n);
            moved += n;
            buf.flip();
            if (!write(buf)) {
                return;
            }
            if (buf.hasRemaining()) {
                pending = loop.stash(buf);
                return;
            }
            if (n < buf.capacity()) {
                return; // the socket is very likely empty: let the selector say when it is not
            }
        }
    }

    /** Writes what is pending; once all of it is written, its buffer goes back to the loop. */
    void flush(RelayLoop loop) {
        if (pending == null || !write(pending)) {
            return;
        }
        if (!pending.hasRemaining()) {
            loop.release(pending);
            pending = null;
        }
    }

    private boolean write(ByteBuffer buf) {
        try {
            onWritten.accept(destination.write(buf));
            return true;
        } catch (IOException e) {
            LOG.debug("connection {}: {} write: {}", owner.id, to, e.toString());
            ends.writeFailed();
            return false;
        }
    }

    /** Gives the pending buffer back, if any: nobody will take its bytes. */
    void discard(RelayLoop loop) {
        if (loop != null) {
            loop.release(pending);
        }
        pending = null;
    }

    /** Interest for the source's key: read while nothing is pending, no EOF came, and the budget allows. */
    int sourceOps() {
        return !eof && pending == null && !ends.stopped() && !paused ? SelectionKey.OP_READ : 0;
    }

    /** Interest for the destination's key: write while bytes are pending. */
    int destinationOps() {
        return pending != null ? SelectionKey.OP_WRITE : 0;
    }

    ByteBuffer pending() {
        return pending;
    }

    boolean flushed() {
        return pending == null;
    }

    boolean eof() {
        return eof;
    }

    /** The source is gone without an EOF of its own (it broke): no more reading. */
    void markEnded() {
        eof = true;
    }

    void resume() {
        paused = false;
    }

    long moved() {
        return moved;
    }
}
