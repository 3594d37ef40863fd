package dev.forkd.supervisor.relay;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Options set on every accepted client socket: TCP_NODELAY (the relay forwards what it has at
 * once), and TCP keepalive with its timings through jdk.net.ExtendedSocketOptions where the
 * platform has them, so that half-open peers are found by the kernel.
 */
public final class ClientSocketOptions {
    private static final Logger LOG = LogManager.getLogger(ClientSocketOptions.class);

    private final KeepAlive keepAlive;
    private volatile boolean warned;

    public ClientSocketOptions(KeepAlive keepAlive) {
        this.keepAlive = keepAlive;
    }

    void apply(SocketChannel client) {
        try {
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (keepAlive.enabled()) {
                client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                if (keepAlive.idle() != null) {
                    setIfSupported(client, ExtendedSocketOptions.TCP_KEEPIDLE, (int) keepAlive.idle().toSeconds());
                }
                if (keepAlive.interval() != null) {
                    setIfSupported(client, ExtendedSocketOptions.TCP_KEEPINTERVAL, (int) keepAlive.interval().toSeconds());
                }
                if (keepAlive.count() != null) {
                    setIfSupported(client, ExtendedSocketOptions.TCP_KEEPCOUNT, keepAlive.count());
                }
            }
        } catch (IOException e) {
            // a client that reset already: the relay will see it on its first read
            LOG.debug("socket options: {}", e.toString());
        }
    }

    private <T> void setIfSupported(NetworkChannel ch, SocketOption<T> option, T value) throws IOException {
        if (ch.supportedOptions().contains(option)) {
            ch.setOption(option, value);
        } else if (!warned) {
            warned = true;
            LOG.warn("this platform does not support {}; the system default applies", option.name());
        }
    }
}
