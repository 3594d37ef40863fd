package dev.forkd.api;

import java.nio.ByteBuffer;

/**
 * What a worker runs for each client connection. forkd creates one instance per connection (so
 * a handler may keep per-connection state in fields) with its public no-argument constructor,
 * and calls it from that connection's thread only.
 *
 * <p>In {@code raw} framing a message is whatever one read returned: TCP has no message
 * boundaries, so a handler that needs them should use a framing mode. A handler that throws
 * closes its own connection (logged); the worker and its other connections carry on.
 */
public interface Handler {

    /**
     * Whether this handler writes before the client does (a greeting, as SMTP or FTP servers
     * send). forkd gives a connection a worker only once its first bytes arrive, so that clients
     * that connect and say nothing cannot hold the workers; a handler that speaks first needs a
     * worker at once, and forkd must be started with {@code --handler-speaks-first} for it (the
     * supervisor never loads handler classes; a worker whose handler says true without that flag
     * logs a warning at boot). The built-in handlers do not.
     */
    default boolean speaksFirst() {
        return false;
    }

    /** The connection is open and its PROXY header read; nothing has been received yet. */
    default void onOpen(Connection connection) throws Exception {
    }

    /**
     * One message. The buffer is only valid during the call (forkd reuses it): copy what must be
     * kept. Reply with {@link Connection#reply}.
     */
    void onMessage(Connection connection, ByteBuffer message) throws Exception;

    /**
     * The client shut down its sending side (half-close). The handler may still reply; the default
     * closes the connection once everything written so far has been sent.
     */
    default void onEndOfInput(Connection connection) throws Exception {
        connection.close();
    }

    /** The connection is closed, for whatever reason. */
    default void onClose(Connection connection) {
    }
}
