package dev.forkd.supervisor.common;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Which of Netty's transports carries the data path: native epoll where its library loads (fewer
 * system calls and no JDK locks per call), Java NIO otherwise, or when -Dforkd.transport=nio asks
 * for it. Chosen and logged once per process; everything that makes a channel asks this class.
 */
public final class Transport {
    private static final Logger LOG = LogManager.getLogger(Transport.class);
    /** On an NIO worker stream: the JDK channel under it, for the SO_PEERCRED check Netty's NIO API lacks. */
    public static final AttributeKey<SocketChannel> JDK_CHANNEL = AttributeKey.valueOf("forkd.jdkChannel");

    public enum Kind { EPOLL, NIO }

    private static volatile Transport chosen;

    private final Kind kind;

    private Transport(Kind kind) {
        this.kind = kind;
    }

    /** The transport of this process; the first call logs which one and why. */
    public static Transport get() {
        Transport t = chosen;
        if (t == null) {
            synchronized (Transport.class) {
                t = chosen;
                if (t == null) {
                    t = choose();
                    chosen = t;
                }
            }
        }
        return t;
    }

    private static Transport choose() {
        String wanted = System.getProperty("forkd.transport", "").toLowerCase(Locale.ROOT);
        if (wanted.equals("nio")) {
            LOG.info("data path on Java NIO (Netty): -Dforkd.transport=nio");
            return new Transport(Kind.NIO);
        }
        if (Epoll.isAvailable()) {
            LOG.info("data path on native epoll (Netty)");
            return new Transport(Kind.EPOLL);
        }
        Throwable why = Epoll.unavailabilityCause();
        LOG.info("data path on Java NIO (Netty): native epoll is not available here ({})", why == null ? "no reason given" : why.toString());
        return new Transport(Kind.NIO);
    }

    public Kind kind() {
        return kind;
    }

    public String label() {
        return kind == Kind.EPOLL ? "epoll" : "nio";
    }

    /** Event loops that accept and relay alike. */
    public EventLoopGroup group(int threads, String name) {
        IoHandlerFactory io = kind == Kind.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, false), io);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return kind == Kind.EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** A listening socket inherited from a service manager as fd 0, which {@code jdk} is the JDK's view of. */
    public ServerChannel inheritedServer(ServerSocketChannel jdk) {
        return kind == Kind.EPOLL ? new EpollServerSocketChannel(0) : new NioServerSocketChannel(jdk);
    }

    /** A new, unregistered stream channel for a worker's Unix socket. */
    public Channel newWorkerStream() throws IOException {
        if (kind == Kind.EPOLL) {
            return new EpollDomainSocketChannel();
        }
        SocketChannel jdk = SocketChannel.open(StandardProtocolFamily.UNIX);
        NioDomainSocketChannel ch = new NioDomainSocketChannel(jdk);
        ch.attr(JDK_CHANNEL).set(jdk);
        return ch;
    }

    public SocketAddress workerAddress(Path socket) {
        return kind == Kind.EPOLL ? new DomainSocketAddress(socket.toString()) : UnixDomainSocketAddress.of(socket);
    }
}
