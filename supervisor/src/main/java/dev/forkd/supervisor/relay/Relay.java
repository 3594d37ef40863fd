package dev.forkd.supervisor.relay;

import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.common.Addresses;
import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;

import dev.forkd.shared.ProxyV2;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The data path's engine: a few selector threads that move bytes between clients and workers.
 * Opening a stream to a worker (connect, then the PROXY v2 header) is done by the dispatching
 * thread, blocking but short (a local Unix socket whose listener has a free slot); from then on
 * the connection belongs to one loop.
 */
public final class Relay<T extends Dispatcher.Target> implements Dispatcher.Connector<T> {
    private static final Logger LOG = LogManager.getLogger(Relay.class);

    /** What the relay tells of each connection, typed as the dispatcher's targets are. */
    public interface Events<T> {
        /** The stream to the worker is open and the client is handed to a loop; before onWorkerDone. */
        void onStarted(T target);

        /**
         * The worker is done with the connection (its side ended, or the connection closed): its
         * slot is free. Told once, possibly before the client side has finished.
         *
         * @param workerSideEnded the worker's end closed or broke, rather than the supervisor closing it
         */
        void onWorkerDone(T target, boolean workerEndedFirst, boolean workerSideEnded);

        /** The connection is closed on both sides. Told once, after onWorkerDone. */
        void onClosed(AcceptedClient client);
    }

    private final RelayLoop[] loops;
    private final ClientSocketOptions socketOptions;
    private final DispatchStats stats;
    /** Set by {@link #start}, before any worker can be a target. */
    private volatile Events<T> events;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong(1);
    private final RateLimitedLog openFailures = new RateLimitedLog(LOG, org.apache.logging.log4j.Level.WARN, 10,
            java.util.concurrent.TimeUnit.SECONDS);
    private final Set<RelayedConnection> live = ConcurrentHashMap.newKeySet();
    private final PeerCheck peerCheck;
    /** Connections closed for --min-rate. */
    public final java.util.concurrent.atomic.LongAdder tooSlow = new java.util.concurrent.atomic.LongAdder();

    /** Whether the process behind a worker's socket may be sent a client. */
    public interface PeerCheck {
        /** Called after connect, before anything is written; false: the stream is not used. */
        boolean trusted(Dispatcher.Target target, SocketChannel worker);

        PeerCheck ANY = (t, ch) -> true;
    }

    /**
     * @param minRateBytesPerSecond --min-rate; 0 = off
     * @param budget what pending buffers may hold in all; reading stops while it is spent
     */
    public Relay(int threads, int bufferSize, long idleTimeoutNanos, long minRateBytesPerSecond, MemoryBudget budget,
            ClientSocketOptions socketOptions, DispatchStats stats, PeerCheck peerCheck)
            throws IOException {
        this.peerCheck = peerCheck;
        this.loops = new RelayLoop[threads];
        MinRate minRate = new MinRate(minRateBytesPerSecond);
        for (int i = 0; i < threads; i++) {
            loops[i] = new RelayLoop(i, chunkSize(bufferSize), idleTimeoutNanos, minRate, budget, tooSlow);
        }
        this.socketOptions = socketOptions;
        this.stats = stats;
    }

    /**
     * The most one read moves: --buffer-size, but at least 64 KiB (a loopback segment), so that bulk
     * transfers take few system calls. Only each loop's scratch buffer is this big for sure; a
     * connection borrows one only while a peer is slower than its sender.
     */
    public static int chunkSize(int bufferSize) {
        return Math.max(bufferSize, 64 * 1024);
    }

    /**
     * Starts the loops. {@code events} hears of every connection from now on; given here rather
     * than at construction because the pool that listens is built on the dispatcher, which is
     * built on this relay.
     */
    public void start(Events<T> events) {
        this.events = events;
        for (RelayLoop l : loops) {
            l.start();
        }
    }

    @Override
    public Dispatcher.OpenResult open(T target, AcceptedClient accepted) {
        InetSocketAddress remote;
        InetSocketAddress local;
        SocketChannel client = accepted.channel;
        try {
            remote = (InetSocketAddress) client.getRemoteAddress();
            local = (InetSocketAddress) client.getLocalAddress();
            if (accepted.declaredSource() != null) {
                remote = accepted.declaredSource();
                local = accepted.declaredDestination();
            }
        } catch (IOException e) {
            Dispatcher.closeQuietly(client);
            return Dispatcher.OpenResult.CLIENT_GONE;
        }
        if (remote == null) {
            Dispatcher.closeQuietly(client);
            return Dispatcher.OpenResult.CLIENT_GONE;
        }
        SocketChannel worker;
        try {
            worker = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            // our own failure (EMFILE), not the worker's: blaming the worker would take it out of service
            openFailures.log("cannot open a stream to a worker ({}); closing the connection from {}", e.toString(), Addresses.format(remote));
            Dispatcher.closeQuietly(client);
            return Dispatcher.OpenResult.CLIENT_GONE;
        }
        try {
            worker.connect(UnixDomainSocketAddress.of(target.socket()));
            if (!peerCheck.trusted(target, worker)) {
                // not the worker we launched: not a byte of the client's (not even the PROXY header) goes there
                Dispatcher.closeQuietly(worker);
                return Dispatcher.OpenResult.WORKER_UNREACHABLE;
            }
            ByteBuffer header = ByteBuffer.wrap(ProxyV2.encode(remote, local));
            while (header.hasRemaining()) {
                worker.write(header);
            }
        } catch (IOException e) {
            LOG.debug("stream to worker {} failed: {}", target.id(), e.toString());
            Dispatcher.closeQuietly(worker);
            return Dispatcher.OpenResult.WORKER_UNREACHABLE;
        }
        socketOptions.apply(client);
        RelayedConnection c = new RelayedConnection(ids.getAndIncrement(), Addresses.format(remote), target, accepted, worker,
                stats, eventsOf(target));
        // the connection has copied the preamble's bytes: their reservation goes back
        accepted.handedOver();
        live.add(c);
        events.onStarted(target);
        LOG.debug("connection {} from {} -> worker {}", c.id, c.clientLabel, target.id());
        RelayLoop loop = loops[Math.floorMod(next.getAndIncrement(), loops.length)];
        loop.execute(() -> c.register(loop));
        return Dispatcher.OpenResult.STARTED;
    }

    /** The connection's events, which the relay's own events hear of typed. */
    private RelayedConnection.Events eventsOf(T target) {
        Events<T> e = events;
        return new RelayedConnection.Events() {
            @Override
            public void onWorkerDone(RelayedConnection c, boolean workerEndedFirst) {
                e.onWorkerDone(target, workerEndedFirst, c.workerSideEnded());
            }

            @Override
            public void onClosed(RelayedConnection c) {
                live.remove(c);
                e.onClosed(c.accepted);
            }
        };
    }

    /**
     * The client addresses (address:port, as the worker's PROXY header names them) of the
     * connections relayed to {@code target} right now, sorted: what a crash of it would take down.
     */
    public java.util.List<String> clientsOf(Dispatcher.Target target) {
        return live.stream().filter(c -> c.target == target).map(c -> c.clientLabel).sorted().collect(java.util.stream.Collectors.toList());
    }

    public void shutdown() throws InterruptedException {
        for (RelayLoop l : loops) {
            l.shutdown();
        }
    }
}
