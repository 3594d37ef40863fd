package dev.forkd.supervisor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The TCP listener. Its thread accepts only while the dispatcher has room; otherwise it waits and
 * the kernel's backlog holds new clients, as in the seed's iterative-server timeline.
 */
final class Listener {
    private static final Logger LOG = LogManager.getLogger(Listener.class);
    private static final long ACCEPT_ERROR_BACKOFF_MS = 100;
    private final RateLimitedLog acceptErrors = new RateLimitedLog(LOG, org.apache.logging.log4j.Level.ERROR, 10,
            java.util.concurrent.TimeUnit.SECONDS);
    private long acceptFailures;

    private final ServerSocketChannel server;
    private Thread thread;

    private Listener(ServerSocketChannel server) {
        this.server = server;
    }

    /** @throws java.net.BindException if the address is in use or not local */
    static Listener bind(InetSocketAddress address, int backlog) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, backlog);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new Listener(ch);
    }

    /**
     * The listening socket a service manager passed as standard input (systemd's
     * StandardInput=socket, or systemd-socket-activate --inetd), or null when there is none.
     * Java reads only fd 0, not LISTEN_FDS.
     */
    static Listener inherited() throws IOException {
        java.nio.channels.Channel ch = System.inheritedChannel();
        if (ch instanceof ServerSocketChannel) {
            ServerSocketChannel server = (ServerSocketChannel) ch;
            server.configureBlocking(true);
            return new Listener(server);
        }
        return null;
    }

    InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** @param next where admitted connections go: the dispatcher, or first the PROXY header reader */
    void start(java.util.function.Consumer<SocketChannel> next, Dispatcher dispatcher, Admission admission) {
        thread = new Thread(() -> acceptLoop(next, dispatcher, admission), "accept");
        thread.start();
    }

    private void acceptLoop(java.util.function.Consumer<SocketChannel> next, Dispatcher dispatcher, Admission admission) {
        while (server.isOpen()) {
            try {
                dispatcher.awaitRoom();
                SocketChannel ch = server.accept();
                if (acceptFailures > 0) {
                    LOG.info("accepting again after {} failed attempt(s)", acceptFailures);
                    acceptFailures = 0;
                }
                if (admission.admit(ch)) {
                    next.accept(ch);
                }
            } catch (ClosedChannelException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (IOException e) {
                // EMFILE and kin: back off instead of spinning; accepting resumes when the cause clears
                acceptFailures++;
                acceptErrors.log("accept failed: {}; backing off {} ms between attempts", e.toString(), ACCEPT_ERROR_BACKOFF_MS);
                try {
                    Thread.sleep(ACCEPT_ERROR_BACKOFF_MS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }

    /** Stops accepting; clients in the kernel backlog get a reset when the socket closes. */
    void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the listener: {}", e.toString());
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
