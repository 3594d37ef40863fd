package dev.forkd.supervisor.broker;

import dev.forkd.shared.PeerCredentials;
import dev.forkd.shared.RuntimeDirs;
import dev.forkd.shared.pubsub.BrokerFrame;
import dev.forkd.shared.pubsub.BrokerOp;
import dev.forkd.shared.pubsub.LeaveReason;
import dev.forkd.supervisor.common.RateLimitedLog;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The broker's socket, {@code broker.sock} in the runtime directory (0600), and its one thread,
 * {@code broker}: a selector loop that accepts workers' links, reads their frames, runs them
 * through the {@link Broker} and writes what it queued, never blocking on any worker. A peer must
 * run as the supervisor's user (SO_PEERCRED) and introduce itself as a worker the pool launched
 * (its id and pid); anything else is closed.
 */
public final class BrokerServer {
    private static final Logger LOG = LogManager.getLogger(BrokerServer.class);

    /** Which processes are this supervisor's workers. */
    public interface Peers {
        /** True if a worker with this id and pid is alive in the pool. */
        boolean isWorker(int id, long pid);
    }

    private Path path;
    private final Peers peers;
    private final BrokerSettings settings;
    private final Broker broker;
    private final UserPrincipal self;
    private final RateLimitedLog refused = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private final Set<BrokerLink> dirty = new HashSet<>();
    /** Work for the broker thread from other threads (a new listening socket to register). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private Selector selector;
    private ServerSocketChannel server;
    private Thread thread;
    private volatile boolean closed;

    public BrokerServer(Path path, Peers peers, BrokerSettings settings) throws IOException {
        this.path = path;
        this.peers = peers;
        this.settings = settings;
        this.broker = new Broker(settings, System::currentTimeMillis);
        this.self = PeerCredentials.self();
    }

    /** The socket's path: beside the control socket, where workers look for it. */
    public static Path socketIn(Path runtimeDir) {
        return RuntimeDirs.brokerSocket(runtimeDir);
    }

    public synchronized void start() throws IOException {
        Files.deleteIfExists(path);
        selector = Selector.open();
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path), 256);
            Files.setPosixFilePermissions(path, RuntimeDirs.SOCKET_MODE);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            closeQuietly(server);
            closeQuietly(selector);
            throw e;
        }
        thread = new Thread(this::loop, "broker");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Binds the socket again if its file is gone (the runtime directory was deleted and made
     * again): links already open live on, but a new worker finds the broker by path.
     */
    public synchronized boolean restoreIfGone() throws IOException {
        if (closed || server == null || Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        rebind(path);
        LOG.info("bound the broker socket {} again: its file had been deleted", path);
        return true;
    }

    /** The runtime directory moved: binds at {@code newPath}; the workers already linked keep their links. */
    public synchronized void moveTo(Path newPath) throws IOException {
        if (closed) {
            return;
        }
        rebind(newPath);
        LOG.info("bound the broker socket at {}", newPath);
    }

    private void rebind(Path p) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(p), 256);
            Files.setPosixFilePermissions(p, RuntimeDirs.SOCKET_MODE);
            s.configureBlocking(false);
        } catch (IOException e) {
            closeQuietly(s);
            throw e;
        }
        ServerSocketChannel old = server;
        server = s;
        path = p;
        tasks.add(() -> {
            try {
                s.register(selector, SelectionKey.OP_ACCEPT);
            } catch (IOException e) {
                LOG.error("cannot listen on the broker socket {}: {}", p, e.toString());
            }
            // its path is not ours any more (or its file is gone): close it without touching the file
            closeQuietly(old);
        });
        selector.wakeup();
    }

    private void loop() {
        try {
            while (!closed) {
                selector.select();
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isAcceptable()) {
                            accept((ServerSocketChannel) key.channel());
                        } else {
                            BrokerLink link = (BrokerLink) key.attachment();
                            if (key.isWritable()) {
                                dirty.add(link);
                            }
                            if (key.isReadable()) {
                                read(link);
                            }
                        }
                    } catch (RuntimeException e) {
                        // one link's surprise must not stop the broker for the others
                        LOG.error("broker: {}", e.toString(), e);
                        if (key.attachment() instanceof BrokerLink l) {
                            broker.linkEnded(l, LeaveReason.CRASHED);
                        }
                    }
                }
                selector.selectedKeys().clear();
                flushDirty();
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.error("the broker's selector failed; publish/subscribe is down: {}", e.toString(), e);
            }
        }
    }

    private void accept(ServerSocketChannel listening) {
        SocketChannel ch;
        try {
            ch = listening.accept();
            if (ch == null) {
                return;
            }
        } catch (IOException e) {
            LOG.error("broker accept failed: {}", e.toString());
            return;
        }
        try {
            if (!PeerCredentials.sameUser(ch, self)) {
                refused.log("refused a broker connection from user {}", PeerCredentials.peer(ch).getName());
                closeQuietly(ch);
                return;
            }
            ch.configureBlocking(false);
            BrokerLink link = new BrokerLink(ch, settings.linkQueueBytes());
            link.key = ch.register(selector, SelectionKey.OP_READ, link);
        } catch (IOException e) {
            refused.log("refused a broker connection whose credentials cannot be read: {}", e.toString());
            closeQuietly(ch);
        }
    }

    private void read(BrokerLink link) {
        int n;
        try {
            n = link.channel.read(link.in);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            if (link.state == BrokerLink.State.LIVE && !link.saidBye && !link.subs.isEmpty()) {
                LOG.info("{} left the broker without a goodbye; its members leave as crashed", link.label());
            }
            broker.linkEnded(link, LeaveReason.CRASHED);
            markAllDirty();
            return;
        }
        link.in.flip();
        try {
            BrokerFrame f;
            while (link.state != BrokerLink.State.ENDED && (f = BrokerFrame.next(link.in)) != null) {
                if (link.state == BrokerLink.State.NEW) {
                    hello(link, f);
                } else {
                    broker.onFrame(link, f);
                }
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("{} broke the broker protocol ({}); disconnecting it", link.label(), e.getMessage());
            broker.linkEnded(link, LeaveReason.CRASHED);
        }
        link.in.compact();
        if (!link.in.hasRemaining() && link.in.capacity() < BrokerFrame.MAX_FRAME + 4) {
            // a frame larger than the buffer (a big GRANT or message): grow, up to the largest frame
            ByteBuffer bigger = ByteBuffer.allocate(BrokerFrame.MAX_FRAME + 4);
            link.in.flip();
            bigger.put(link.in);
            link.in = bigger;
        }
        markAllDirty();
    }

    private void hello(BrokerLink link, BrokerFrame f) {
        if (f.op() != BrokerOp.HELLO || !peers.isWorker(f.number(), f.seq())) {
            refused.log("refused a broker link that is not one of this supervisor's workers ({} {} {})", f.op(), f.number(), f.seq());
            broker.linkEnded(link, LeaveReason.CRASHED);
            return;
        }
        link.workerId = f.number();
        link.pid = f.seq();
        link.state = BrokerLink.State.LIVE;
        LOG.debug("{} linked to the broker", link.label());
    }

    /** Every link with queued output is written after a read: one event may have queued to all of them. */
    private void markAllDirty() {
        for (SelectionKey k : selector.keys()) {
            if (k.attachment() instanceof BrokerLink l && l.hasOutput()) {
                dirty.add(l);
            }
        }
    }

    private void flushDirty() {
        for (BrokerLink l : dirty) {
            if (l.state == BrokerLink.State.ENDED || !l.key.isValid()) {
                continue;
            }
            try {
                boolean done = l.flush();
                l.key.interestOps(done ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            } catch (IOException e) {
                // the worker is gone; its read side sees the end and ends the link
                LOG.debug("{}: write failed: {}", l.label(), e.toString());
                l.key.interestOps(SelectionKey.OP_READ);
            }
        }
        dirty.clear();
    }

    public void close() throws InterruptedException {
        closed = true;
        Selector s;
        synchronized (this) {
            s = selector;
            if (server != null) {
                closeQuietly(server);
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // the runtime directory is removed as a whole at the end anyway
                    LOG.debug("removing {}: {}", path, e.toString());
                }
            }
        }
        if (s != null) {
            s.wakeup();
        }
        if (thread != null) {
            thread.join(2000);
        }
        if (s != null) {
            for (SelectionKey k : s.keys()) {
                closeQuietly(k.channel());
            }
            closeQuietly(s);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing a broken socket fails only when it is gone already
            LOG.debug("closing {}: {}", c, e.toString());
        }
    }
}
