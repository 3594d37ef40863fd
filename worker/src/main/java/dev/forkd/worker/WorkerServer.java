package dev.forkd.worker;

import dev.forkd.worker.blocking.ClientConnection;
import dev.forkd.worker.blocking.StreamClientConnection;
import dev.forkd.worker.common.Protocol;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.worker.evented.EventLoop;
import dev.forkd.worker.pubsub.PubSub;
import dev.forkd.api.StreamHandler;
import dev.forkd.api.Handler;
import dev.forkd.shared.PeerCredentials;
import dev.forkd.shared.RuntimeDirs;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import dev.forkd.shared.ProxyV2;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The worker's Unix-domain listener. In one-at-a-time models the accepting thread serves each
 * connection itself, so the next accept happens only when it is done; in the threaded model each
 * connection gets a thread; in the evented model an {@link EventLoop} serves them all on one
 * thread. The supervisor never sends more than the worker's share.
 */
final class WorkerServer {

    private final Path path;
    private final Handlers handlers;
    private final ConnectionModel model;
    private final Protocol protocol;
    private final Set<ClientConnection> live = ConcurrentHashMap.newKeySet();
    private final UserPrincipal self;
    private final AtomicLong nextId = new AtomicLong(1);
    private final Object activeLock = new Object();
    private int active;
    private ServerSocketChannel server;
    private volatile boolean draining;
    /** The identity of the socket file this worker bound, to tell it from one someone else put at the path later. */
    private volatile Object socketKey;
    /** In the evented model, made at bind() so that a drain told before serve() is not lost. */
    private volatile EventLoop loop;
    /** Publish/subscribe for the connections; null without a broker (tests). */
    private volatile PubSub pubsub;

    WorkerServer(Path path, Supplier<Handler> handlers, ConnectionModel model, Protocol protocol) throws IOException {
        this(path, Handlers.ofMessages(handlers), model, protocol);
    }

    /** @param handlers stream handlers only in a model with a thread per connection ({@link Handlers#requireServable}) */
    WorkerServer(Path path, Handlers handlers, ConnectionModel model, Protocol protocol) throws IOException {
        this.path = path;
        this.handlers = handlers;
        this.model = model;
        this.protocol = protocol;
        this.self = PeerCredentials.self();
    }

    /** Closes framed connections that sent nothing, not even a ping, for the heartbeat timeout. */
    void startHeartbeatWatchdog() {
        long timeout = protocol.heartbeatTimeoutNanos();
        if (timeout <= 0 || !protocol.framed() || loop != null) {
            // an event loop sweeps its own connections, on its own thread
            return;
        }
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(TimeUnit.SECONDS.toNanos(1), timeout / 4));
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeat-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            for (ClientConnection c : live) {
                try {
                    c.closeIfSilent(now);
                } catch (RuntimeException e) {
                    // one connection's failure must not stop the watchdog for the others
                    WorkerLog.error("heartbeat watchdog: {}", e.toString(), e);
                }
            }
        }, period, period, TimeUnit.NANOSECONDS);
    }

    /** Before {@link #bind()}: an event loop takes it when it is made. */
    void pubSub(PubSub p) {
        pubsub = p;
    }

    void bind() throws IOException {
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path), 1024);
        Files.setPosixFilePermissions(path, RuntimeDirs.SOCKET_MODE);
        socketKey = fileKey();
        if (model == ConnectionModel.EVENT_LOOP) {
            if (handlers.stream()) {
                // boot refuses this with the reason (Handlers.requireServable); a loop thread must never block in a handler
                throw new IllegalStateException("a StreamHandler cannot run on an event loop");
            }
            loop = EventLoop.open(server, handlers.messages(), protocol, this::authorised, nextId::getAndIncrement, this::stopAccepting, pubsub);
        }
    }

    /**
     * Serves until {@link #drain()} or {@link #stopAccepting()}. A drain first takes every
     * connection already queued on the socket, so none of them is reset.
     */
    void serve() {
        if (loop != null) {
            try {
                loop.run();
            } catch (IOException e) {
                // the selector itself failed: nothing can be served; exiting lets the supervisor replace this worker
                WorkerLog.error("event loop failed: {}", e.toString(), e);
                stopAccepting();
            }
            return;
        }
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (AsynchronousCloseException e) {
                break;
            } catch (IOException e) {
                if (!server.isOpen()) {
                    break;
                }
                // EMFILE and the like: back off rather than spin; the connection waits in the backlog meanwhile
                WorkerLog.error("accept failed: {}; retrying in 100 ms", e.toString());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
                continue;
            }
            handle(ch);
            if (draining) {
                takeBacklogThenClose();
                break;
            }
        }
    }

    private void handle(SocketChannel ch) {
        if (!authorised(ch)) {
            return;
        }
        long id = nextId.getAndIncrement();
        // a stream connection makes its handler on its own thread: a constructor that throws ends that connection only
        ClientConnection watched = handlers.stream() ? null : new ClientConnection(id, ch, handlers.messages().get(), protocol, pubsub);
        Runnable conn = watched != null ? watched : new StreamClientConnection(id, ch, handlers.streams(), protocol.bufferSize());
        if (watched != null) {
            live.add(watched);
        }
        enter();
        if (model == ConnectionModel.THREAD_PER_CONNECTION) {
            Thread t = new Thread(() -> {
                try {
                    conn.run();
                } finally {
                    leave(watched);
                }
            }, "conn-" + id);
            t.start();
        } else {
            try {
                conn.run();
            } finally {
                leave(watched);
            }
        }
    }

    /** Everything connected before the drain's wake-up is in the backlog: serve it, then stop listening. */
    private void takeBacklogThenClose() {
        try {
            server.configureBlocking(false);
            SocketChannel ch;
            while ((ch = server.accept()) != null) {
                ch.configureBlocking(true);
                handle(ch);
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // drain() closed it already: its wake-up could not connect (the socket file was deleted)
            WorkerLog.debug("draining the accept backlog: the listener is already closed");
        } catch (IOException e) {
            WorkerLog.warn("draining the accept backlog: {}", e.toString());
        }
        stopAccepting();
    }

    /**
     * Stops taking connections once those already sent are taken. The accepting thread may be
     * blocked in accept(), so a LOCAL-only connection to ourselves wakes it; it queues behind every
     * connection the supervisor made before it told us to drain.
     */
    void drain() {
        draining = true;
        if (loop != null) {
            // the loop is never blocked in accept(): it takes the backlog itself, on its own thread
            loop.drain();
            return;
        }
        if (!pathStillOurs()) {
            // deleted, or another socket is bound there now: waking ourselves through the path would reach that one
            WorkerLog.info("draining: {} is not this worker's socket any more; closing the listener", path);
            stopAccepting();
            return;
        }
        try (SocketChannel wake = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            wake.connect(UnixDomainSocketAddress.of(path));
            if (!PeerCredentials.sameUser(wake, self)) {
                // replaced between the check and the connect: send that process nothing
                WorkerLog.warn("draining: the socket at {} belongs to user {}; closing the listener", path, PeerCredentials.peer(wake).getName());
                stopAccepting();
                return;
            }
            ByteBuffer local = ByteBuffer.wrap(ProxyV2.encodeLocal());
            while (local.hasRemaining()) {
                wake.write(local);
            }
        } catch (IOException e) {
            // the listener is already closed (or gone): nothing is left to take
            WorkerLog.debug("drain wake-up: {}", e.toString());
            stopAccepting();
        }
    }

    /** Same user as this worker, else refused and closed. */
    boolean authorised(SocketChannel ch) {
        try {
            if (PeerCredentials.sameUser(ch, self)) {
                return true;
            }
            WorkerLog.warn("refused a connection from user {}: only {} may connect", PeerCredentials.peer(ch).getName(), self.getName());
        } catch (IOException | UnsupportedOperationException e) {
            WorkerLog.warn("refused a connection whose peer credentials cannot be read: {}", e.toString());
        }
        try {
            ch.close();
        } catch (IOException e) {
            WorkerLog.debug("closing a refused connection: {}", e.toString());
        }
        return false;
    }

    private void enter() {
        synchronized (activeLock) {
            active++;
        }
    }

    /** @param conn the framed connection the heartbeat watchdog watched, or null for a stream connection */
    private void leave(ClientConnection conn) {
        if (conn != null) {
            live.remove(conn);
        }
        synchronized (activeLock) {
            active--;
            activeLock.notifyAll();
        }
    }

    void stopAccepting() {
        try {
            server.close();
        } catch (IOException e) {
            WorkerLog.debug("closing the listener: {}", e.toString());
        }
        try {
            if (pathStillOurs()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            // the supervisor removes the whole runtime directory anyway
            WorkerLog.debug("removing {}: {}", path, e.toString());
        }
    }

    private Object fileKey() throws IOException {
        return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** The file at the path is still the socket this worker bound (not deleted, not someone else's). */
    private boolean pathStillOurs() {
        try {
            Object key = socketKey;
            return key != null && key.equals(fileKey());
        } catch (IOException e) {
            // gone: not ours to connect to or delete
            return false;
        }
    }

    /** Blocks until no connection is live. The supervisor bounds how long it lets this take. */
    void awaitIdle() throws InterruptedException {
        synchronized (activeLock) {
            while (active > 0) {
                activeLock.wait();
            }
        }
    }
}
