package dev.forkd.supervisor.listen;

import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.Transport;
import dev.forkd.supervisor.dispatch.Dispatcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The TCP listener, on the data path's event loops, which accept on their own thread (no accept
 * thread). On native epoll, one listening socket per loop with SO_REUSEPORT, each loop's clients
 * served on that loop: no hand-off between loops per connection (measured: see
 * docs/architecture.md). On NIO, and for a socket inherited from a service manager, one
 * listening channel whose clients go round the loops. Each accepts only while the dispatcher and
 * the memory budget have room ({@link AcceptGate}); otherwise the kernel's backlog holds new
 * clients, as in the seed's iterative-server timeline.
 */
public final class Listener {
    private static final Logger LOG = LogManager.getLogger(Listener.class);

    private final List<Channel> servers;
    /** Inherited from a service manager: never closed here (see {@link #close()}). */
    private final boolean inherited;
    /** The client pipeline, set by {@link #start}; nothing is accepted before. */
    private final AtomicReference<ChannelHandler> clients;
    private final List<AcceptGate> gates = new ArrayList<>();

    private Listener(List<Channel> servers, boolean inherited, AtomicReference<ChannelHandler> clients) {
        this.servers = servers;
        this.inherited = inherited;
        this.clients = clients;
    }

    private static ServerBootstrap bootstrap(EventLoopGroup parent, EventLoopGroup child, AtomicReference<ChannelHandler> clients) {
        return new ServerBootstrap().group(parent, child)
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(clients.get());
                    }
                });
    }

    /** @throws IOException if the address is in use or not local (Netty's native errors are IOExceptions too) */
    public static Listener bind(InetSocketAddress address, int backlog, EventLoopGroup group, Transport transport) throws IOException {
        AtomicReference<ChannelHandler> clients = new AtomicReference<>();
        ChannelOption<Boolean> reusePort = transport.reusePort();
        if (reusePort == null) {
            return new Listener(List.of(bindOne(bootstrap(group, group, clients), transport, backlog, address, null)), false, clients);
        }
        if (address.getPort() != 0) {
            refuseIfInUse(address);
        }
        List<Channel> servers = new ArrayList<>();
        try {
            InetSocketAddress at = address;
            for (EventExecutor e : group) {
                EventLoop loop = (EventLoop) e;
                Channel ch = bindOne(bootstrap(loop, loop, clients), transport, backlog, at, reusePort);
                servers.add(ch);
                // the next loops join the port the first one got (it may have been 0)
                at = new InetSocketAddress(address.getAddress(), ((InetSocketAddress) ch.localAddress()).getPort());
            }
        } catch (IOException e) {
            servers.forEach(Channel::close);
            throw e;
        }
        return new Listener(servers, false, clients);
    }

    private static Channel bindOne(ServerBootstrap b, Transport transport, int backlog, InetSocketAddress address,
            ChannelOption<Boolean> reusePort) throws IOException {
        b.channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, backlog);
        if (reusePort != null) {
            b.option(reusePort, true);
        }
        ChannelFuture f = b.bind(address).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw asIOException(f.cause());
        }
        return f.channel();
    }

    /**
     * SO_REUSEPORT would let the bind succeed next to another process of this user that listens
     * with it too (another forkd on the same port): "port in use" must still be told, so a plain
     * socket tries the address first.
     */
    private static void refuseIfInUse(InetSocketAddress address) throws IOException {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(address);
        }
    }

    /**
     * The listening socket a service manager passed as standard input (systemd's
     * StandardInput=socket, or systemd-socket-activate --inetd), or null when there is none.
     * Java reads only fd 0, not LISTEN_FDS.
     */
    public static Listener inherited(EventLoopGroup group, Transport transport) throws IOException {
        java.nio.channels.Channel ch = System.inheritedChannel();
        if (!(ch instanceof ServerSocketChannel)) {
            return null;
        }
        ServerSocketChannel jdk = (ServerSocketChannel) ch;
        // O_NONBLOCK on the shared open file description; systemd may clear it again (ExecReload=),
        // which is why only one accept is made per readiness event (auto-read off)
        jdk.configureBlocking(false);
        AtomicReference<ChannelHandler> clients = new AtomicReference<>();
        ChannelFuture f = bootstrap(group, group, clients).channelFactory(() -> transport.inheritedServer(jdk)).register().awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw asIOException(f.cause());
        }
        return new Listener(List.of(f.channel()), true, clients);
    }

    private static IOException asIOException(Throwable t) {
        return t instanceof IOException ? (IOException) t : new IOException(t);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) servers.get(0).localAddress();
    }

    /**
     * Starts accepting: each admitted client gets {@code pipeline}; the next accept waits for
     * room in the dispatcher and for {@code reserveBytes} (what one read may leave pending) in the budget.
     */
    public void start(ChannelHandler pipeline, Dispatcher<?> dispatcher, MemoryBudget budget, long reserveBytes) {
        clients.set(pipeline);
        for (Channel server : servers) {
            AcceptGate gate = new AcceptGate(dispatcher, budget, reserveBytes);
            gates.add(gate);
            server.pipeline().addFirst("accept-gate", gate);
            gate.start(server);
        }
    }

    /**
     * Stops accepting. A listener forkd bound is closed, and clients in its kernel backlog get a
     * reset. An inherited one is only taken off the event loop: the service manager owns it, and
     * clients in its backlog stay there for the next forkd it starts.
     */
    public void close() {
        gates.forEach(AcceptGate::stop);
        List<ChannelFuture> closing = new ArrayList<>();
        for (Channel server : servers) {
            closing.add(inherited ? server.deregister() : server.close());
        }
        for (ChannelFuture f : closing) {
            if (!f.awaitUninterruptibly(5000)) {
                LOG.warn("the listener did not close within 5s");
            }
        }
    }
}
