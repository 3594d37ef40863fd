package dev.forkd.supervisor.listen;

import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.Dispatcher;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Connection limits at accept time: --max-connections overall and --max-per-ip per client address
 * (systemd's MaxConnectionsPerSource). A connection over a limit is closed at once; the log line
 * about it is rate-limited so that a flood cannot flood the log too.
 *
 * <p>With --accept-proxy the peer is a proxy, not the client: only peers in a --trusted-proxy
 * range are admitted at all (any other would be choosing the client address handlers see), and
 * --max-per-ip counts the address each PROXY header declares, once it is read
 * ({@link #admitDeclared}), so that all clients behind one proxy do not share one quota.
 */
public final class Admission {
    private static final Logger LOG = LogManager.getLogger(Admission.class);

    private final int maxConnections;
    private final int maxPerIp;
    /** Connections admitted and not yet released; each one's own record is on its {@link AcceptedClient}. */
    private int admitted;
    private final Map<InetAddress, Integer> perIp = new HashMap<>();
    public final LongAdder refusedGlobal = new LongAdder();
    public final LongAdder refusedPerIp = new LongAdder();
    public final LongAdder refusedUntrusted = new LongAdder();
    private final RateLimitedLog refusals = new RateLimitedLog(LOG, org.apache.logging.log4j.Level.WARN, 10, TimeUnit.SECONDS);
    private final RateLimitedLog untrusted = new RateLimitedLog(LOG, org.apache.logging.log4j.Level.WARN, 10, TimeUnit.SECONDS);
    /** --accept-proxy: the ranges whose PROXY headers are believed; null without --accept-proxy. */
    private final List<Cidr> trustedProxies;

    /** @param maxPerIp 0 for no per-address limit */
    public Admission(int maxConnections, int maxPerIp) {
        this(maxConnections, maxPerIp, null);
    }

    /** @param trustedProxies with --accept-proxy, the --trusted-proxy ranges; null without it */
    public Admission(int maxConnections, int maxPerIp, List<Cidr> trustedProxies) {
        this.maxConnections = maxConnections;
        this.maxPerIp = maxPerIp;
        this.trustedProxies = trustedProxies;
    }

    /** Admits the connection, or closes it and returns false. */
    boolean admit(AcceptedClient client) {
        InetAddress ip = address(client.channel);
        if (trustedProxies != null && !Cidr.anyContains(trustedProxies, ip)) {
            refusedUntrusted.increment();
            Dispatcher.closeQuietly(client);
            untrusted.log("closed a connection from {}: with --accept-proxy only a --trusted-proxy ({}) may say who the client is",
                    ip == null ? "(closed)" : ip.getHostAddress(), trustedProxies);
            return false;
        }
        if (trustedProxies != null) {
            // the peer is the proxy: the per-address limit waits for the address its header declares
            ip = null;
        }
        String refusal = null;
        synchronized (this) {
            if (admitted >= maxConnections) {
                refusedGlobal.increment();
                refusal = "the limit of " + maxConnections + " connections (--max-connections)";
            } else if (maxPerIp > 0 && ip != null && perIp.getOrDefault(ip, 0) >= maxPerIp) {
                refusedPerIp.increment();
                refusal = "the limit of " + maxPerIp + " connections from " + ip.getHostAddress() + " (--max-per-ip)";
            } else {
                admitted++;
                client.admitted = true;
                client.countedAddress = ip;
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

    /**
     * --accept-proxy: counts an admitted connection against --max-per-ip under the client address
     * its PROXY header declared, or closes it and returns false when that address is at the limit.
     *
     * @param declared null when the header names no client (LOCAL, the proxy's own health check):
     *     counted only against --max-connections, as it was at accept
     */
    public boolean admitDeclared(AcceptedClient client, InetAddress declared) {
        if (maxPerIp == 0 || declared == null) {
            return true;
        }
        synchronized (this) {
            if (!client.admitted) {
                return true; // released meanwhile: whoever released it closes it
            }
            if (perIp.getOrDefault(declared, 0) < maxPerIp) {
                client.countedAddress = declared;
                perIp.merge(declared, 1, Integer::sum);
                return true;
            }
            client.admitted = false;
            client.countedAddress = null;
            admitted--;
            refusedPerIp.increment();
        }
        Dispatcher.closeQuietly(client);
        logRefusal("the limit of " + maxPerIp + " connections from " + declared.getHostAddress() + " (--max-per-ip, the address its PROXY header declared)");
        return false;
    }

    /** The connection is over, however it ended. Idempotent. */
    public void release(AcceptedClient client) {
        synchronized (this) {
            if (!client.admitted) {
                return;
            }
            InetAddress ip = client.countedAddress;
            client.admitted = false;
            client.countedAddress = null;
            admitted--;
            if (ip != null) {
                perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }

    private void logRefusal(String refusal) {
        refusals.log("closed a new connection at {}", refusal);
    }

    private static InetAddress address(io.netty.channel.Channel ch) {
        InetSocketAddress a = (InetSocketAddress) ch.remoteAddress();
        return a == null ? null : a.getAddress();
    }
}
