package dev.forkd.supervisor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Connection limits at accept time: --max-connections overall and --max-per-ip per client address
 * (systemd's MaxConnectionsPerSource). A connection over a limit is closed at once; the log line
 * about it is rate-limited so that a flood cannot flood the log too.
 */
final class Admission {
    private static final Logger LOG = LogManager.getLogger(Admission.class);

    private final int maxConnections;
    private final int maxPerIp;
    private final Map<SocketChannel, InetAddress> admitted = new IdentityHashMap<>();
    private final Map<InetAddress, Integer> perIp = new HashMap<>();
    final LongAdder refusedGlobal = new LongAdder();
    final LongAdder refusedPerIp = new LongAdder();
    private final RateLimitedLog refusals = new RateLimitedLog(LOG, org.apache.logging.log4j.Level.WARN, 10, TimeUnit.SECONDS);

    /** @param maxPerIp 0 for no per-address limit */
    Admission(int maxConnections, int maxPerIp) {
        this.maxConnections = maxConnections;
        this.maxPerIp = maxPerIp;
    }

    /** Admits the connection, or closes it and returns false. */
    boolean admit(SocketChannel client) {
        InetAddress ip = address(client);
        String refusal = null;
        synchronized (this) {
            if (admitted.size() >= maxConnections) {
                refusedGlobal.increment();
                refusal = "the limit of " + maxConnections + " connections (--max-connections)";
            } else if (maxPerIp > 0 && ip != null && perIp.getOrDefault(ip, 0) >= maxPerIp) {
                refusedPerIp.increment();
                refusal = "the limit of " + maxPerIp + " connections from " + ip.getHostAddress() + " (--max-per-ip)";
            } else {
                admitted.put(client, ip);
                if (ip != null) {
                    perIp.merge(ip, 1, Integer::sum);
                }
                return true;
            }
        }
        Dispatcher.closeQuietly(client);
        logRefusal(refusal);
        return false;
    }

    /** The connection is over, however it ended. Idempotent. */
    void release(SocketChannel client) {
        synchronized (this) {
            if (!admitted.containsKey(client)) {
                return;
            }
            InetAddress ip = admitted.remove(client);
            if (ip != null) {
                perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }

    synchronized int admittedCount() {
        return admitted.size();
    }

    private void logRefusal(String refusal) {
        refusals.log("closed a new connection at {}", refusal);
    }

    private static InetAddress address(SocketChannel ch) {
        try {
            InetSocketAddress a = (InetSocketAddress) ch.getRemoteAddress();
            return a == null ? null : a.getAddress();
        } catch (IOException e) {
            return null;
        }
    }
}
