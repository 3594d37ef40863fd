package dev.forkd.supervisor;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The server models of DESIGN.md: presets for the worker count and connections per worker. */
public enum Model {
    /** The seed's loop server: one process, one client at a time; the others wait. */
    ITERATIVE("iterative", false),
    /** Apache prefork: N processes, one connection each; a crash costs one connection. */
    PREFORK("prefork", false),
    /** The multi-threaded server, in N processes: a thread per connection. */
    THREADED("threaded", true),
    /** The tutorial's asyncio step, in N processes: one event loop per worker serves all its connections. */
    EVENTED("evented", true),
    /** fork(): a fresh process per connection, from a pool of warm spares so no client waits for a boot. */
    FORK_PER_CONNECTION("fork-per-connection", false);

    public static final int THREADED_DEFAULT_CONNECTIONS = 1000;
    /** An idle connection costs an event loop a socket and a few small objects, not a thread and its stack. */
    public static final int EVENTED_DEFAULT_CONNECTIONS = 10_000;

    public final String cliName;
    /** One worker serves several connections at once (threaded, evented). */
    public final boolean manyPerWorker;

    Model(String cliName, boolean manyPerWorker) {
        this.cliName = cliName;
        this.manyPerWorker = manyPerWorker;
    }

    public int defaultWorkers(int processors) {
        return this == ITERATIVE ? 1 : 2 * processors;
    }

    public int defaultConnectionsPerWorker() {
        return this == THREADED ? THREADED_DEFAULT_CONNECTIONS : this == EVENTED ? EVENTED_DEFAULT_CONNECTIONS : 1;
    }

    public static Model parse(String text) {
        for (Model m : values()) {
            if (m.cliName.equalsIgnoreCase(text.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown model '" + text + "' (choose from " + names() + ")");
    }

    public static String names() {
        return Arrays.stream(values()).map(m -> m.cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName.toLowerCase(Locale.ROOT);
    }
}
