package dev.forkd.api;

import java.nio.ByteBuffer;

/**
 * What a forkd worker runs for each client connection: implement it, put the class on a jar, and
 * start forkd with {@code serve --worker-classpath that.jar --handler com.example.YourHandler}.
 *
 * <h2>Instances</h2>
 * forkd creates one instance per connection with the class's public no-argument constructor, so
 * fields are per-connection state. Each worker also creates instances when it boots, to check the
 * class and ask {@link #speaksFirst()}, and never gives them a connection: keep the constructor
 * cheap and free of side effects.
 * A class that cannot be loaded, does not implement this interface, has no public no-argument
 * constructor or whose constructor throws at boot makes the workers exit with code 3, and forkd
 * stops with the reason instead of restarting them.
 *
 * <h2>Threads</h2>
 * The calls for one connection come one at a time, never concurrently, in this order: {@link
 * #onOpen}, any number of {@link #onMessage}, {@link #onEndOfInput} if the client half-closed,
 * then {@link #onClose}; so an instance needs no locking for its own fields. Which thread makes
 * them depends on forkd's {@code --model}:
 * <ul>
 * <li>{@code prefork} (the default), {@code iterative}, {@code fork-per-connection}: the worker's
 * serving thread, which serves one connection at a time, so each connection has a worker process
 * to itself;</li>
 * <li>{@code threaded}: a thread of the connection's own; the worker serves many connections at
 * once, so anything shared between instances ({@code static} fields) must be thread-safe;</li>
 * <li>{@code evented}: the worker's one event-loop thread, shared by all its connections. A call
 * that blocks (sleep, blocking I/O, a long computation) stalls every other connection of the
 * worker; forkd logs calls that run longer than 100 ms with the thread's stack. Use
 * {@code threaded} for handlers that block.</li>
 * </ul>
 * {@link Subscriber}s, if the handler subscribes to topics, run on another thread.
 *
 * <h2>Failures</h2>
 * An exception (checked or not), or a {@link StackOverflowError}, thrown by {@link #onOpen},
 * {@link #onMessage} or {@link #onEndOfInput} is logged with its stack trace and closes this
 * connection only: {@link #onClose} is still called, the client sees its connection end without a
 * message, and the worker carries on serving its other connections. One thrown by {@code onClose}
 * is logged and otherwise ignored. Workers run with {@code -XX:+ExitOnOutOfMemoryError}: an
 * {@link OutOfMemoryError} ends the worker process, which loses its connections and which the
 * supervisor replaces. Other {@link Error}s are not caught per connection, and what they leave
 * behind depends on the model: do not let them escape a handler.
 *
 * <h2>Messages</h2>
 * What a message is depends on forkd's {@code --framing}: in {@code raw} (the default), whatever
 * one read returned: TCP has no message boundaries, so a handler that needs them should use a
 * framing; in {@code line}, one line without its {@code \n} (nor a {@code \r} before it); in
 * {@code length}, one frame's payload without its 4-byte length; in {@code fixed}, one record; in
 * {@code json}, one JSON value. In every framing but {@code raw} the worker answers the heartbeat
 * {@code {"type":"ping"}} itself: it never reaches the handler.
 */
public interface Handler {

    /**
     * Whether this handler writes before the client does (a greeting, as SMTP or FTP servers
     * send). forkd gives a connection a worker only once its first bytes arrive, so that clients
     * that connect and say nothing cannot hold the workers; a handler that speaks first needs a
     * worker at once, and forkd must be started with {@code --handler-speaks-first} for it (the
     * supervisor never loads handler classes; a worker whose handler says true without that flag
     * logs a warning at boot). The built-in handlers do not. Asked once per worker, at boot, of an
     * instance that serves no connection: the answer must not depend on the instance.
     */
    default boolean speaksFirst() {
        return false;
    }

    /**
     * The connection is open: its addresses and {@link Connection#tls() TLS facts} are known and
     * nothing has been received yet. A handler that {@link #speaksFirst() speaks first} replies
     * here. The default does nothing.
     *
     * @throws Exception to close this connection (see "Failures" above)
     */
    default void onOpen(Connection connection) throws Exception {
    }

    /**
     * One message (see "Messages" above). The buffer holds the message between its position and
     * its limit; it is only valid during the call, because forkd reuses it for the next read: copy
     * what must be kept. The handler may change it in place, and may pass it to {@link
     * Connection#reply}.
     *
     * @throws Exception to close this connection (see "Failures" above)
     */
    void onMessage(Connection connection, ByteBuffer message) throws Exception;

    /**
     * The client shut down its sending side (a half-close: {@code shutdown(SHUT_WR)},
     * {@code Socket.shutdownOutput()}); every complete message before it has been delivered (an
     * incomplete frame at the end is dropped, and logged). The handler may still reply: the client
     * reads until the connection ends. Once this returns, forkd closes the connection after what
     * was replied has been sent, whatever the handler did; the default only closes it.
     *
     * @throws Exception to close this connection (see "Failures" above)
     */
    default void onEndOfInput(Connection connection) throws Exception {
        connection.close();
    }

    /**
     * The connection is closed, for whatever reason: the client left, the handler or a failure
     * closed it, or the heartbeat timed out. Called exactly once for every connection whose
     * {@link #onOpen} was called (even if it threw), on the same thread as the other calls; replies
     * are no longer possible. Release what the connection held here. Not called when the worker
     * process itself ends (a crash, a kill, or forkd stopping it once {@code --graceful-timeout}
     * has passed), so never rely on it alone for effects that must outlive the process.
     */
    default void onClose(Connection connection) {
    }
}
