package dev.forkd.supervisor.relay;

import dev.forkd.supervisor.common.Addresses;
import dev.forkd.supervisor.common.Buffers;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.common.Transport;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import java.net.InetSocketAddress;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The data path's engine: connects each dispatched client to its worker ({@link WorkerStreamOpener},
 * asynchronous, on the client's event loop) and relays between them ({@link RelayedConnection}).
 */
public final class Relay<T extends Dispatcher.Target> implements Dispatcher.Connector<T> {
    private static final Logger LOG = LogManager.getLogger(Relay.class);

    /** What the relay tells of each connection, typed as the dispatcher's targets are. */
    public interface Events<T> {
        /** The stream to the worker is open and relaying begins; before onWorkerDone. */
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

    /** Whether the process behind a worker's socket may be sent a client. */
    public interface PeerCheck {
        /** Called on the event loop after connect, before anything is written; false: the stream is not used. */
        boolean trusted(Dispatcher.Target target, Channel worker);

        PeerCheck ANY = (t, ch) -> true;
    }

    private static final RateLimitedLog BUDGET_SPENT = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private static final RateLimitedLog TOO_SLOW = new RateLimitedLog(LOG, Level.INFO, 10, TimeUnit.SECONDS);

    private final Buffers buffers;
    private final ClientSocketOptions socketOptions;
    private final DispatchStats stats;
    private final WorkerStreamOpener opener;
    private final long idleTimeoutNanos;
    private final MinRate minRate;
    private final long sweepMillis;
    /** Set by {@link #start}, before any worker can be a target. */
    private volatile Events<T> events;
    private final AtomicLong ids = new AtomicLong(1);
    private final Set<RelayedConnection> live = ConcurrentHashMap.newKeySet();
    /** Per event loop, its relayed connections, for one sweep per loop (each set on its loop's thread only). */
    private final ConcurrentHashMap<EventExecutor, Set<RelayedConnection>> swept = new ConcurrentHashMap<>();
    /** Connections closed for --min-rate. */
    public final LongAdder tooSlow = new LongAdder();

    /**
     * @param idleTimeoutNanos close connections with no byte either way for this long; 0 = never
     * @param minRateBytesPerSecond --min-rate; 0 = off
     */
    public Relay(Transport transport, Buffers buffers, long idleTimeoutNanos, long minRateBytesPerSecond,
            ClientSocketOptions socketOptions, DispatchStats stats, PeerCheck peerCheck) {
        this.buffers = buffers;
        this.socketOptions = socketOptions;
        this.stats = stats;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.minRate = new MinRate(minRateBytesPerSecond);
        this.sweepMillis = sweepMillis(idleTimeoutNanos, minRate.enabled());
        this.opener = new WorkerStreamOpener(transport, buffers, peerCheck);
    }

    /**
     * The most one read moves: --buffer-size, but at least 64 KiB (a loopback segment), so that bulk
     * transfers take few system calls.
     */
    public static int chunkSize(int bufferSize) {
        return Math.max(bufferSize, 64 * 1024);
    }

    /** A few times per idle timeout, at most once a second (the timeouts are coarse by nature); 0 = no sweep. */
    static long sweepMillis(long idleTimeoutNanos, boolean minRate) {
        long idle = idleTimeoutNanos <= 0 ? Long.MAX_VALUE : Math.max(10, TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos) / 4);
        long every = Math.min(1000, idle);
        return idleTimeoutNanos <= 0 && !minRate ? 0 : every;
    }

    /** {@code events} hears of every connection from now on (the pool is built on the dispatcher, which is built on this relay). */
    public void start(Events<T> events) {
        this.events = events;
        warmUp();
    }

    /**
     * Loads and runs once, before the first client, what the first connection would otherwise pay
     * for on its event loop (the PROXY encoder, Netty's address parsing, the relay's classes): a
     * first connection on a busy machine took 0.1–0.8 s longer than the next ones without it.
     */
    private static void warmUp() {
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        InetSocketAddress a = new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 1);
        ch.writeOutbound(WorkerProxyHeader.of(a, a, List.of()));
        ch.finishAndReleaseAll();
        for (Class<?> c : List.of(RelayedConnection.class, RelaySide.class, WorkerStreamOpener.class)) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e); // our own class: cannot happen
            }
        }
    }

    @Override
    public void open(T target, AcceptedClient accepted, Consumer<Dispatcher.OpenResult> done) {
        Channel client = accepted.channel;
        InetSocketAddress remote = (InetSocketAddress) client.remoteAddress();
        InetSocketAddress local = (InetSocketAddress) client.localAddress();
        if (accepted.declaredSource() != null) {
            remote = accepted.declaredSource();
            local = accepted.declaredDestination();
        }
        if (!client.isActive() || remote == null || local == null) {
            Dispatcher.closeQuietly(accepted);
            done.accept(Dispatcher.OpenResult.CLIENT_GONE);
            return;
        }
        InetSocketAddress source = remote;
        opener.open(target, accepted, remote, local, (r, worker) -> {
            if (r == Dispatcher.OpenResult.STARTED) {
                begin(target, accepted, worker, source);
            }
            done.accept(r);
        });
    }

    /** On the client's event loop: the worker's stream is open and has its header. */
    private void begin(T target, AcceptedClient accepted, Channel worker, InetSocketAddress source) {
        socketOptions.apply(accepted.channel);
        Events<T> e = events;
        RelayedConnection c = new RelayedConnection(ids.getAndIncrement(), Addresses.format(source), target, accepted, worker,
                buffers.budget(), buffers.chunk(), stats, new RelayedConnection.Events() {
                    @Override
                    public void onWorkerDone(RelayedConnection rc, boolean workerEndedFirst) {
                        e.onWorkerDone(target, workerEndedFirst, rc.workerSideEnded());
                    }

                    @Override
                    public void onClosed(RelayedConnection rc) {
                        live.remove(rc);
                        Set<RelayedConnection> onLoop = swept.get(rc.client.eventLoop());
                        if (onLoop != null) {
                            onLoop.remove(rc);
                        }
                        e.onClosed(rc.accepted);
                    }

                    @Override
                    public void onBudgetSpent(String what) {
                        BUDGET_SPENT.log("memory budget of {} MiB spent ({} bytes held in relay buffers): not reading from {} until buffers are freed",
                                buffers.budget().limit() >> 20, buffers.budget().used(), what);
                    }
                });
        live.add(c);
        e.onStarted(target);
        LOG.debug("connection {} from {} -> worker {}", c.id, c.clientLabel, target.id());
        if (sweepMillis > 0) {
            swept.computeIfAbsent(accepted.channel.eventLoop(), this::sweepLoop).add(c);
        }
        c.start();
    }

    /** A loop's first relayed connection starts its sweep, which runs as long as the loop. */
    private Set<RelayedConnection> sweepLoop(EventExecutor loop) {
        Set<RelayedConnection> onLoop = new HashSet<>();
        loop.scheduleAtFixedRate(() -> {
            for (RelayedConnection c : new ArrayList<>(onLoop)) {
                sweep(c);
            }
        }, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        return onLoop;
    }

    /** The idle timeout and --min-rate, every {@link #sweepMillis}, on the connection's loop. */
    private void sweep(RelayedConnection c) {
        if (c.isClosed()) {
            return;
        }
        long now = System.nanoTime();
        if (idleTimeoutNanos > 0 && now - c.lastActivityNanos > idleTimeoutNanos) {
            LOG.info("connection {} from {}: no byte either way for {} s (idle timeout); closing",
                    c.id, c.clientLabel, TimeUnit.NANOSECONDS.toSeconds(now - c.lastActivityNanos));
            c.abort("idle timeout");
        } else if (minRate.enabled() && c.holdsWorker()) {
            checkRate(c, now);
        }
    }

    private void checkRate(RelayedConnection c, long now) {
        long moved = c.bytesMoved();
        switch (minRate.check(c.rateWindowStartNanos, c.rateWindowStartBytes, now, moved)) {
            case TOO_SLOW:
                tooSlow.increment();
                TOO_SLOW.log("connection {} from {} held worker {} and moved {} byte(s) in {} s, under --min-rate {}B/s; closing",
                        c.id, c.clientLabel, c.target.id(), moved - c.rateWindowStartBytes,
                        TimeUnit.NANOSECONDS.toSeconds(now - c.rateWindowStartNanos), minRate.bytesPerSecond());
                c.abort("under --min-rate");
                break;
            case FAST_ENOUGH:
                c.rateWindowStartNanos = now;
                c.rateWindowStartBytes = moved;
                break;
            default:
                break;
        }
    }

    /**
     * The client addresses (address:port, as the worker's PROXY header names them) of the
     * connections relayed to {@code target} right now, sorted: what a crash of it would take down.
     */
    public List<String> clientsOf(Dispatcher.Target target) {
        return live.stream().filter(c -> c.target == target).map(c -> c.clientLabel).sorted().collect(Collectors.toList());
    }

    /** Closes every relayed connection, waiting up to 5 s for their loops to do it. */
    public void shutdown() throws InterruptedException {
        for (RelayedConnection c : live) {
            c.client.eventLoop().execute(() -> c.abort("supervisor stopping"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!live.isEmpty() && System.nanoTime() < deadline) {
            // the loops close them; nothing to be told of but the set emptying
            Thread.sleep(10);
        }
    }
}
