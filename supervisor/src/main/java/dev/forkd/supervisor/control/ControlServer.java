package dev.forkd.supervisor.control;

import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.listen.Listener;
import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.PeerCredentials;
import dev.forkd.shared.RuntimeDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Accepts the workers' control connections. A worker's first line must be {@code ready <id> <pid>};
 * after that it only answers pings. Each channel gets a small reader thread: there are only as
 * many as workers.
 */
public final class ControlServer {
    private static final Logger LOG = LogManager.getLogger(ControlServer.class);

    public interface Listener {
        /** On the reader thread: a worker said ready. */
        void onReady(ControlSession session);

        /** On the reader thread: a pong arrived. */
        void onPong(ControlSession session, long seq);
    }

    /** Where workers find it; changed when the runtime directory moves. */
    private Path path;
    private final Listener listener;
    private final UserPrincipal self;
    private ServerSocketChannel server;
    private boolean closed;

    public ControlServer(Path path, Listener listener) throws IOException {
        this.path = path;
        this.listener = listener;
        this.self = PeerCredentials.self();
    }

    public synchronized void start() throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path), 256);
            Files.setPosixFilePermissions(path, RuntimeDirs.SOCKET_MODE);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        ServerSocketChannel old = server;
        server = s;
        if (old != null) {
            // its accept thread ends; the workers' channels it accepted are separate and live on
            closeQuietly(old);
        }
        Thread t = new Thread(() -> acceptLoop(s), "control-accept");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Binds the socket again if its file is gone (someone deleted the runtime directory): the
     * listening socket still exists, but workers find it by path, so no new worker could report
     * ready. Returns true if it bound again.
     */
    public synchronized boolean restoreIfGone() throws IOException {
        if (closed || server == null || Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        start();
        LOG.info("bound the control socket {} again: its file had been deleted", path);
        return true;
    }

    /**
     * The runtime directory moved: binds at {@code newPath}. Workers already connected keep their
     * channels; the old socket closes (its path is not ours any more, so its file is not touched).
     */
    public synchronized void moveTo(Path newPath) throws IOException {
        if (closed) {
            return;
        }
        path = newPath;
        start();
        LOG.info("bound the control socket at {}", newPath);
    }

    private void acceptLoop(ServerSocketChannel server) {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.error("control accept failed: {}", e.toString());
                }
                continue;
            }
            try {
                if (!PeerCredentials.sameUser(ch, self)) {
                    LOG.warn("refused a control connection from user {}", PeerCredentials.peer(ch).getName());
                    ch.close();
                    continue;
                }
            } catch (IOException e) {
                LOG.warn("refused a control connection whose credentials cannot be read: {}", e.toString());
                Dispatcher.closeQuietly(ch);
                continue;
            }
            Thread t = new Thread(() -> readLoop(ch), "control-read");
            t.setDaemon(true);
            t.start();
        }
    }

    private void readLoop(SocketChannel ch) {
        ControlSession session = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.US_ASCII), 256)) {
            String line;
            while ((line = in.readLine()) != null) {
                ControlMessage m = ControlMessage.parse(line);
                if (session == null) {
                    if (m.type() != ControlMessage.Type.READY) {
                        LOG.warn("control connection did not start with ready: {}", line);
                        break;
                    }
                    session = new ControlSession(ch, (int) m.a(), m.b());
                    listener.onReady(session);
                } else if (m.type() == ControlMessage.Type.PONG) {
                    listener.onPong(session, m.a());
                } else {
                    LOG.warn("unexpected control message from worker {}: {}", session.workerId, line);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // the worker died or spoke nonsense; its process exit is what the pool acts on
            LOG.debug("control channel ended: {}", e.toString());
        }
        Dispatcher.closeQuietly(ch);
    }

    public synchronized void close() {
        closed = true;
        if (server != null) {
            closeQuietly(server);
        }
    }

    private static void closeQuietly(ServerSocketChannel s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("closing control socket: {}", e.toString());
        }
    }
}
