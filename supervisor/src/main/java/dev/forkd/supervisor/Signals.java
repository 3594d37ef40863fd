package dev.forkd.supervisor;

import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import sun.misc.Signal;

/**
 * Traps the signals an operator uses, as gunicorn and unicorn do. QUIT is left to the JVM, which
 * prints a thread dump on it.
 */
final class Signals {
    private static final Logger LOG = LogManager.getLogger(Signals.class);

    private Signals() {
    }

    /** {@code handler} receives the signal's name ("TERM", "INT", ...) on a thread of the JVM's. */
    static void install(Consumer<String> handler, String... names) {
        for (String name : names) {
            try {
                Signal.handle(new Signal(name), s -> handler.accept(s.getName()));
            } catch (IllegalArgumentException e) {
                // the platform or the JVM reserves it (e.g. under some debuggers); forkd works without it
                LOG.warn("cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
    }
}
