package dev.forkd.worker.evented;

import dev.forkd.worker.common.Protocol;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.worker.pubsub.PubSub;
import dev.forkd.api.Handler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The worker of {@code --model evented}: one thread, one {@link Selector} over the worker's
 * listening socket and every stream it accepted, the tutorial's asyncio step. Handlers run on
 * this thread, watched by a {@link LoopWatchdog}; one read buffer serves every connection (the
 * decoders keep what a frame needs between reads), so an idle connection costs its socket, its
 * key and a few small objects. Other threads talk to it only through {@link #execute}.
 */
public final class EventLoop {
    enum State {
        RUNNING,
        /** The listener is closed; the loop ends when its last connection does. */
        DRAINING,
        STOPPED
    }

    /** Accepts per readiness, so that a burst of connections does not starve the live ones. */
    private static final int ACCEPTS_PER_TURN = 64;
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Supplier<Handler> handlers;
    private final Protocol protocol;
    private final Predicate<SocketChannel> authorised;
    private final LongSupplier ids;
    private final Runnable stopListening;
    private final LoopWatchdog watchdog;
    /** Publish/subscribe for the connections; null without a broker (tests). */
    private final PubSub pubsub;
    private final ByteBuffer scratch;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<EventedConnection> live = new HashSet<>();
    private volatile Thread thread;
    private volatile State state = State.RUNNING;
    private SelectionKey acceptKey;
    private long acceptPausedUntil;
    private long nextSweep;

    /**
     * A loop watched for handlers that block it as long as {@value LoopWatchdog#THRESHOLD_PROPERTY} says.
     *
     * @param authorised checks a new stream's peer (and closes it when refused)
     * @param stopListening closes the listener and removes its socket file (when the loop drains)
     * @param pubsub publish/subscribe for the connections, or null
     */
    public static EventLoop open(ServerSocketChannel server, Supplier<Handler> handlers, Protocol protocol, Predicate<SocketChannel> authorised,
            LongSupplier ids, Runnable stopListening, PubSub pubsub) throws IOException {
        return new EventLoop(server, handlers, protocol, authorised, ids, stopListening, new LoopWatchdog(LoopWatchdog.thresholdFromProperty()), pubsub);
    }

    /**
     * @param authorised checks a new stream's peer (and closes it when refused)
     * @param stopListening closes the listener and removes its socket file (when the loop drains)
     * @param pubsub publish/subscribe for the connections, or null
     */
    EventLoop(ServerSocketChannel server, Supplier<Handler> handlers, Protocol protocol, Predicate<SocketChannel> authorised,
            LongSupplier ids, Runnable stopListening, LoopWatchdog watchdog, PubSub pubsub) throws IOException {
        this.server = server;
        this.selector = Selector.open();
        this.handlers = handlers;
        this.protocol = protocol;
        this.authorised = authorised;
        this.ids = ids;
        this.stopListening = stopListening;
        this.watchdog = watchdog;
        this.pubsub = pubsub;
        this.scratch = ByteBuffer.allocate(protocol.bufferSize());
    }

    LoopWatchdog watchdog() {
        return watchdog;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    State state() {
        return state;
    }

    /** The live connections; for tests, on the loop thread. */
    int liveCount() {
        return live.size();
    }

    /** Runs {@code task} on the loop thread, soon. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** From any thread: take what is already queued on the listener, stop listening, end when the live connections have. */
    public void drain() {
        execute(() -> {
            if (state != State.RUNNING) {
                return;
            }
            // everything the supervisor connected before it said drain is in the backlog: take it all, reset none
            acceptAll(Integer.MAX_VALUE);
            if (acceptKey != null) {
                acceptKey.cancel();
            }
            stopListening.run();
            state = State.DRAINING;
            WorkerLog.info("draining: {} live connection(s) to finish", live.size());
        });
    }

    /** Serves until drained. */
    public void run() throws IOException {
        thread = Thread.currentThread();
        thread.setName("event-loop");
        watchdog.start(thread);
        server.configureBlocking(false);
        acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        long sweepPeriod = sweepPeriod();
        nextSweep = System.nanoTime() + sweepPeriod;
        try {
            while (state != State.STOPPED) {
                long timeoutMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTimer() - System.nanoTime()));
                selector.select(key -> onReady(key), timeoutMs);
                runTasks();
                long now = System.nanoTime();
                if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0 && acceptKey.isValid()) {
                    acceptPausedUntil = 0;
                    acceptKey.interestOps(SelectionKey.OP_ACCEPT);
                }
                if (now - nextSweep >= 0) {
                    nextSweep = now + sweepPeriod;
                    sweepSilent(now);
                }
                if (state == State.DRAINING && live.isEmpty()) {
                    state = State.STOPPED;
                }
            }
        } finally {
            for (EventedConnection c : new ArrayList<>(live)) {
                c.closeNow();
            }
            selector.close();
        }
    }

    private long nextTimer() {
        return acceptPausedUntil != 0 && acceptPausedUntil - nextSweep < 0 ? acceptPausedUntil : nextSweep;
    }

    /** As often as the heartbeat timeout needs (a quarter of it, 50 ms to 1 s); once a second when it is off. */
    private long sweepPeriod() {
        long timeout = protocol.heartbeatTimeoutNanos();
        if (timeout <= 0 || !protocol.framed()) {
            return TimeUnit.SECONDS.toNanos(1);
        }
        return Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(TimeUnit.SECONDS.toNanos(1), timeout / 4));
    }

    private void onReady(SelectionKey key) {
        if (key == acceptKey) {
            acceptAll(ACCEPTS_PER_TURN);
            return;
        }
        EventedConnection c = (EventedConnection) key.attachment();
        if (key.isValid() && key.isWritable()) {
            c.onWritable();
        }
        if (key.isValid() && key.isReadable()) {
            c.onReadable(scratch);
        }
    }

    private void acceptAll(int max) {
        for (int i = 0; i < max && server.isOpen(); i++) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return; // closed by a drain: nothing is left to take
            } catch (IOException e) {
                // EMFILE and the like: stop asking for a while rather than spin; the backlog holds the connections
                WorkerLog.error("accept failed: {}; retrying in 100 ms", e.toString());
                acceptPausedUntil = System.nanoTime() + ACCEPT_BACKOFF_NANOS;
                acceptKey.interestOps(0);
                return;
            }
            if (ch == null) {
                return;
            }
            if (authorised.test(ch)) {
                register(ch);
            }
        }
    }

    private void register(SocketChannel ch) {
        EventedConnection c = new EventedConnection(ids.getAsLong(), ch, handlers.get(), protocol, this, pubsub);
        try {
            ch.configureBlocking(false);
            c.attach(ch.register(selector, SelectionKey.OP_READ, c));
            live.add(c);
        } catch (IOException e) {
            WorkerLog.warn("connection {}: cannot register with the event loop: {}", c.id(), e.toString());
            c.closeNow();
        }
    }

    private void runTasks() {
        Runnable t;
        while ((t = tasks.poll()) != null) {
            try {
                t.run();
            } catch (RuntimeException e) {
                // one task's failure (a handler's off-loop reply, say) must not end the loop and its other connections
                WorkerLog.error("event loop task failed: {}", e.toString(), e);
            }
        }
    }

    private void sweepSilent(long now) {
        if (protocol.heartbeatTimeoutNanos() <= 0 || !protocol.framed()) {
            return;
        }
        for (EventedConnection c : new ArrayList<>(live)) {
            c.closeIfSilent(now);
        }
    }

    /** A connection closed its socket. */
    void closed(EventedConnection c) {
        live.remove(c);
    }

    /** For tests: the connections, on the loop thread. */
    Iterator<EventedConnection> connections() {
        return live.iterator();
    }
}
