package dev.forkd.supervisor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;

/** Every load connection of one model's run, and which are open right now. */
final class LoadRegistry {
    private final List<LoadConnection> all = new ArrayList<>();
    private final Map<ConnKey, LoadConnection> open = new ConcurrentSkipListMap<>();

    LoadConnection open(ConnKey key, long startMs, int requests) {
        LoadConnection c = new LoadConnection(key, startMs, requests);
        synchronized (all) {
            all.add(c);
        }
        open.put(key, c);
        return c;
    }

    void finish(LoadConnection c, long atMs, String failure) {
        c.finish(atMs, failure);
        open.remove(c.key);
    }

    /** The connections a kill9 may target now, in key order so that a seeded draw picks reproducibly among them. */
    List<LoadConnection> inTheMiddle() {
        // the skip list iterates in key order
        return open.values().stream().filter(LoadConnection::inTheMiddle).collect(Collectors.toList());
    }

    /** The open connections on worker {@code pid} with a request still to send. */
    List<ConnKey> owingRequestsTo(long pid) {
        return open.values().stream().filter(c -> c.owesRequestsTo(pid)).map(c -> c.key).sorted().collect(Collectors.toList());
    }

    int openCount() {
        return open.size();
    }

    /** How every connection ended; call once the clients have stopped. */
    List<ConnectionOutcome> outcomes() {
        synchronized (all) {
            return all.stream().map(LoadConnection::outcome).sorted(Comparator.comparing(ConnectionOutcome::key))
                    .collect(Collectors.toList());
        }
    }
}
