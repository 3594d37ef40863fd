package dev.forkd.tools.experiment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Every load connection of one model's run, and which are open right now. It can also freeze the
 * load for the instant of a crash: while frozen no client sends a request, so a connection that
 * completes then had sent its last request before the crash, and the connections the crashed
 * worker holds are the ones it held when the crash was ordered.
 */
final class LoadRegistry {
    private final List<LoadConnection> all = new ArrayList<>();
    private final Map<ConnKey, LoadConnection> open = new ConcurrentSkipListMap<>();
    private final Object gate = new Object();
    private boolean frozen;
    private int sending;

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

    /** Before a client writes a request: waits while frozen (at most {@code maxWaitNanos}), then counts it as sending. */
    void enterSend(long maxWaitNanos) throws InterruptedException {
        long deadline = System.nanoTime() + maxWaitNanos;
        synchronized (gate) {
            while (frozen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(gate, left);
            }
            sending++;
        }
    }

    /** After the request is written (not answered). */
    void exitSend() {
        synchronized (gate) {
            sending--;
            gate.notifyAll();
        }
    }

    /** Stops new requests and waits for those being written to be out; {@link #thaw} must follow. */
    void freeze() throws InterruptedException {
        synchronized (gate) {
            frozen = true;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sending > 0 && System.nanoTime() < deadline) {
                // a write to a loopback socket takes microseconds; the deadline is for a peer that stopped reading
                TimeUnit.NANOSECONDS.timedWait(gate, deadline - System.nanoTime());
            }
        }
    }

    void thaw() {
        synchronized (gate) {
            frozen = false;
            gate.notifyAll();
        }
    }

    /**
     * The load connections whose client end has one of {@code ports} (our local port is the
     * client port the supervisor sees): for each, the latest connection to have used that port.
     * Ports the load never used (the injector's own connection) are left out.
     */
    List<ConnKey> byLocalPorts(java.util.Collection<Integer> ports) {
        Map<Integer, LoadConnection> latest = new java.util.HashMap<>();
        synchronized (all) {
            for (LoadConnection c : all) {
                int port = c.localPort();
                if (port > 0 && ports.contains(port)) {
                    // later connections come later in the list: a reused port maps to its latest user
                    latest.put(port, c);
                }
            }
        }
        return latest.values().stream().map(c -> c.key).sorted().collect(Collectors.toList());
    }

    /** How every connection ended; call once the clients have stopped. */
    List<ConnectionOutcome> outcomes() {
        synchronized (all) {
            return all.stream().map(LoadConnection::outcome).sorted(Comparator.comparing(ConnectionOutcome::key))
                    .collect(Collectors.toList());
        }
    }
}
