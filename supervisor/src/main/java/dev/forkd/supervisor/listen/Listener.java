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
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The TCP listener: one listening channel on the data path's event loops, which accept on their
 * own thread (no accept thread, no hand-off); the group is parent and child alike. It accepts
 * only while the dispatcher and the memory budget have room ({@link AcceptGate}); otherwise the
 * kernel's backlog holds new clients, as in the seed's iterative-server timeline.
 */
public final class Listener {
    private static final Logger LOG = LogManager.getLogger(Listener.class);

    private final Channel server;
    /** Inherited from a service manager: never closed here (see {@link #close()}). */
    private final boolean inherited;
    /** The client pipeline, set by {@link #start}; nothing is accepted before. */
    private final AtomicReference<ChannelHandler> clients;
    private AcceptGate gate;

    private Listener(Channel server, boolean inherited, AtomicReference<ChannelHandler> clients) {
        this.server = server;
        this.inherited = inherited;
        this.clients = clients;
    }

    private static ServerBootstrap bootstrap(EventLoopGroup group, AtomicReference<ChannelHandler> clients) {
        return new ServerBootstrap().group(group, group)
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
        ChannelFuture f = bootstrap(group, clients).channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .bind(address).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw asIOException(f.cause());
        }
        return new Listener(f.channel(), false, clients);
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
        ChannelFuture f = bootstrap(group, clients).channelFactory(() -> transport.inheritedServer(jdk)).register().awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw asIOException(f.cause());
        }
        return new Listener(f.channel(), true, clients);
    }

    private static IOException asIOException(Throwable t) {
        return t instanceof IOException ? (IOException) t : new IOException(t);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    /**
     * Starts accepting: each admitted client gets {@code pipeline}; the next accept waits for
     * room in the dispatcher and for {@code reserveBytes} (what one read may leave pending) in the budget.
     */
    public void start(ChannelHandler pipeline, Dispatcher<?> dispatcher, MemoryBudget budget, long reserveBytes) {
        clients.set(pipeline);
        gate = new AcceptGate(dispatcher, budget, reserveBytes);
        server.pipeline().addFirst("accept-gate", gate);
        gate.start(server);
    }

    /**
     * Stops accepting. A listener forkd bound is closed, and clients in its kernel backlog get a
     * reset. An inherited one is only taken off the event loop: the service manager owns it, and
     * clients in its backlog stay there for the next forkd it starts.
     */
    public void close() {
        if (gate != null) {
            gate.stop();
        }
        ChannelFuture f = inherited ? server.deregister() : server.close();
        if (!f.awaitUninterruptibly(5000)) {
            LOG.warn("the listener did not close within 5s");
        }
    }
}
