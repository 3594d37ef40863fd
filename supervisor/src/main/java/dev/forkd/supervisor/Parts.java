package dev.forkd.supervisor;

import java.util.ArrayDeque;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The started parts of a supervisor, closed in the reverse order of their start: a part is added
 * as soon as it holds something (a socket, a thread, a directory), so that whatever fails later,
 * at start or at stop, nothing already started is left behind.
 */
final class Parts implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Parts.class);

    /** Closes one part; may wait (a thread's end) and so be interrupted. */
    interface Closer {
        void close() throws Exception;
    }

    private record Part(String name, Closer closer) {
    }

    private final ArrayDeque<Part> started = new ArrayDeque<>();

    /** {@code part} has started; {@code closer} stops it. Returns the part. */
    <T> T add(String name, T part, Closer closer) {
        synchronized (started) {
            started.push(new Part(name, closer));
        }
        return part;
    }

    /** Closes every part, last started first; a part that fails to close does not keep the others open. Idempotent. */
    @Override
    public void close() {
        boolean interrupted = false;
        while (true) {
            Part p;
            synchronized (started) {
                p = started.poll();
            }
            if (p == null) {
                break;
            }
            try {
                p.closer.close();
            } catch (InterruptedException e) {
                // the rest must still close; the interrupt is restored for the caller below
                interrupted = true;
                LOG.warn("stopping the {} was interrupted", p.name);
            } catch (Exception e) {
                // one part's failure to stop must not leave the parts before it running
                LOG.warn("stopping the {}: {}", p.name, e.toString(), e);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
