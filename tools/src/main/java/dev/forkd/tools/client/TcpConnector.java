package dev.forkd.tools.client;

import dev.forkd.tools.tls.ClientTls;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;

/** Opens the TCP connection of {@code forkd client} and {@code forkd bench}, and words its failures for a user. */
public final class TcpConnector {
    private TcpConnector() {
    }

    /** A connection that could not be made; the message is one line fit for a user. */
    public static final class ConnectFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Connects with TCP_NODELAY on: both commands send small request/response messages, which
     * Nagle's algorithm would hold back waiting for the previous reply's ACK.
     */
    public static Socket connect(ServerAddress target, Duration timeout) throws ConnectFailedException {
        return connect(target, timeout, null);
    }

    /** {@link #connect(ServerAddress, Duration)}, then the TLS handshake if {@code tls} is not null. */
    public static Socket connect(ServerAddress target, Duration timeout, ClientTls tls) throws ConnectFailedException {
        Socket plain = plain(target, timeout);
        return tls == null ? plain : secure(plain, target, timeout, tls);
    }

    /** The TLS handshake over {@code plain}, a connection {@link #connect(ServerAddress, Duration)} made. */
    public static Socket secure(Socket plain, ServerAddress target, Duration timeout, ClientTls tls) throws ConnectFailedException {
        try {
            return tls.handshake(plain, target.address(), timeout);
        } catch (IOException e) {
            // handshake() closed the socket; its message already names the server and the reason
            throw new ConnectFailedException(e.getMessage(), e);
        }
    }

    private static Socket plain(ServerAddress target, Duration timeout) throws ConnectFailedException {
        InetSocketAddress address = target.address();
        if (address.isUnresolved()) {
            throw new ConnectFailedException("cannot resolve host '" + address.getHostString() + "'", null);
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            return socket;
        } catch (IOException e) {
            closeQuietly(socket, e);
            throw new ConnectFailedException(describe(target, e, timeout), e);
        }
    }

    static String describe(ServerAddress target, IOException e, Duration timeout) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof SocketTimeoutException) {
            return "connection to " + target + " timed out after " + timeout.toMillis() + " ms";
        }
        if (e instanceof ConnectException && message.toLowerCase(Locale.ROOT).contains("refused")) {
            return "connection to " + target + " refused";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to " + target;
        }
        return "connection to " + target + " failed: " + message;
    }

    private static void closeQuietly(Socket socket, IOException cause) {
        try {
            socket.close();
        } catch (IOException e) {
            // the connect failure is what the user needs; keep this one with it for the debug log
            cause.addSuppressed(e);
        }
    }
}
