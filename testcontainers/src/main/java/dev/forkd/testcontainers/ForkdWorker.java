package dev.forkd.testcontainers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One worker process as forkd's {@code GET /status} shows it: a typed view of the fields a
 * crash-isolation test asks about; {@link ForkdContainer#status()} has the whole document.
 *
 * @param id forkd's worker id, what {@link ForkdContainer#killWorker(int)} takes; a replacement gets a new one
 * @param pid the worker JVM's process id inside the container
 * @param state {@code starting}, {@code ready}, {@code draining}, ...
 * @param activeConnections connections it serves now
 * @param clients the client addresses ({@code ip:port}, as forkd sees them) it serves now
 * @param connectionsServed connections it has taken since it started
 */
public record ForkdWorker(int id, long pid, String state, int activeConnections, List<String> clients, long connectionsServed) {

    public ForkdWorker {
        clients = List.copyOf(clients);
    }

    public boolean isReady() {
        return "ready".equals(state);
    }

    /** The workers of a /status document, in its order. */
    static List<ForkdWorker> listFrom(JsonNode status) {
        List<ForkdWorker> list = new ArrayList<>();
        for (JsonNode w : status.path("workers")) {
            List<String> clients = new ArrayList<>();
            w.path("clients").forEach(c -> clients.add(c.asText()));
            list.add(new ForkdWorker(w.path("id").asInt(), w.path("pid").asLong(), w.path("state").asText(),
                    w.path("activeConnections").asInt(), clients, w.path("connectionsServed").asLong()));
        }
        return list;
    }
}
