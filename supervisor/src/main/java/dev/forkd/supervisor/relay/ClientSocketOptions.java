package dev.forkd.supervisor.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Options set on every relayed client socket: TCP_NODELAY (the relay forwards what it has at
 * once), and TCP keepalive with its timings (epoll's own options, or jdk.net.ExtendedSocketOptions
 * on NIO where the platform has them), so that half-open peers are found by the kernel.
 */
public final class ClientSocketOptions {
    private static final Logger LOG = LogManager.getLogger(ClientSocketOptions.class);

    private final KeepAlive keepAlive;
    private volatile boolean warned;

    public ClientSocketOptions(KeepAlive keepAlive) {
        this.keepAlive = keepAlive;
    }

    void apply(Channel client) {
        try {
            set(client);
        } catch (ChannelException e) {
            // a client that reset already: the relay will see it on its first read
            LOG.debug("socket options: {}", e.toString());
        }
    }

    private void set(Channel client) {
        ChannelConfig c = client.config();
        c.setOption(ChannelOption.TCP_NODELAY, true);
        if (!keepAlive.enabled()) {
            return;
        }
        c.setOption(ChannelOption.SO_KEEPALIVE, true);
        boolean epoll = client instanceof io.netty.channel.epoll.EpollSocketChannel;
        if (keepAlive.idle() != null) {
            int s = (int) keepAlive.idle().toSeconds();
            set(c, epoll ? EpollChannelOption.TCP_KEEPIDLE : NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), s, "TCP_KEEPIDLE");
        }
        if (keepAlive.interval() != null) {
            int s = (int) keepAlive.interval().toSeconds();
            set(c, epoll ? EpollChannelOption.TCP_KEEPINTVL : NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), s,
                    "TCP_KEEPINTERVAL");
        }
        if (keepAlive.count() != null) {
            set(c, epoll ? EpollChannelOption.TCP_KEEPCNT : NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), keepAlive.count(),
                    "TCP_KEEPCOUNT");
        }
    }

    private void set(ChannelConfig c, ChannelOption<Integer> option, int value, String name) {
        // false when the platform (or the transport) lacks the option; a failure to set one is logged by Netty
        if (!c.setOption(option, value) && !warned) {
            warned = true;
            LOG.warn("this platform does not support {}; the system default applies", name);
        }
    }
}
