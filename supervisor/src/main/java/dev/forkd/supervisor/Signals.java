package dev.forkd.supervisor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Traps the signals an operator uses, as gunicorn and unicorn do. QUIT is left to the JVM, which
 * prints a thread dump on it.
 */
final class Signals {
    private static final Logger LOG = LogManager.getLogger(Signals.class);
    /**
     * The JVM's shutdown signals. One that was ignored when the JVM started (nohup ignores HUP, a
     * script's {@code cmd &} ignores INT) stays ignored: {@code Signal.handle} installs nothing and
     * returns SIG_IGN (HotSpot's JVM_RegisterSignal; seen on JDK 17). For other signals an ignored
     * start also returns SIG_IGN, as the previous handler, but the new one is installed.
     */
    private static final Set<String> KEPT_IGNORED = Set.of("HUP", "INT", "TERM");

    private Signals() {
    }

    /**
     * {@code handler} receives the signal's name ("TERM", "INT", ...) on a thread of the JVM's.
     * Returns the signals that could not be trapped, in the order given.
     */
    static List<String> install(Consumer<String> handler, String... names) {
        List<String> unhandled = new ArrayList<>();
        for (String name : names) {
            try {
                SignalHandler previous = Signal.handle(new Signal(name), s -> handler.accept(s.getName()));
                if (previous == SignalHandler.SIG_IGN && KEPT_IGNORED.contains(name)) {
                    unhandled.add(name);
                }
            } catch (IllegalArgumentException e) {
                // the platform or the JVM reserves it (-Xrs, some debuggers); forkd works without it
                LOG.debug("cannot handle SIG{}: {}", name, e.getMessage());
                unhandled.add(name);
            }
        }
        return unhandled;
    }

    /** The one line that says which signals forkd will not see and what to use instead; null if none. */
    static String unhandledWarning(List<String> unhandled) {
        if (unhandled.isEmpty()) {
            return null;
        }
        List<String> instead = new ArrayList<>();
        for (String name : unhandled) {
            switch (name) {
                case "HUP":
                    instead.add("for HUP (rolling restart) `forkd reload`, i.e. POST /workers/reload on the admin endpoint");
                    break;
                case "INT":
                case "TERM":
                    String other = name.equals("INT") ? "TERM" : "INT";
                    instead.add("for " + name + " (graceful stop) " + (unhandled.contains(other) ? "nothing: only KILL stops forkd, at once" : other));
                    break;
                case "TTIN":
                case "TTOU":
                    instead.add("for " + name + " `forkd scale " + (name.equals("TTIN") ? "+1" : "-1") + "`");
                    break;
                default:
                    break;
            }
        }
        return "forkd cannot handle SIG" + String.join(", SIG", unhandled)
                + ": ignored when it started (nohup, or `&` in a script), and the JVM does not take over an ignored stop signal;"
                + " kill -" + unhandled.get(0) + " does nothing. Instead: " + String.join("; ", instead)
                + ". To have them back, start forkd with default dispositions (scripts/forkd does; or `env --default-signal=HUP,INT,TERM java -jar ...`)";
    }
}
