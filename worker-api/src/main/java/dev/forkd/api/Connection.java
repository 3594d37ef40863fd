package dev.forkd.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A client connection as a {@link Handler} sees it. forkd implements it; a handler's unit tests
 * may implement it too (a fake that records replies).
 *
 * <p>The worker does not hold the client's socket: the supervisor accepts it and relays its bytes
 * over a Unix socket, after a PROXY protocol v2 header that tells the worker who the client is.
 * The addresses and TLS facts below come from that header.
 *
 * <p>{@link #reply}, {@link #close}, {@link #publish} and {@link #subscribe} may be called from any
 * thread, not only from the handler's calls: a handler may hand work to a thread of its own and
 * reply from there.
 */
public interface Connection {

    /**
     * Identifies the connection in this worker process (and in its log lines): unique and
     * increasing there, though not consecutive. Another worker, or this worker's replacement, has
     * its own ids.
     */
    long id();

    /**
     * The client's address: as the supervisor saw it, or, behind a load balancer that sends forkd
     * a PROXY header ({@code --accept-proxy}), as that balancer reported it. Null when the header
     * carried no address.
     */
    InetSocketAddress clientAddress();

    /** The address the client connected to (the supervisor's listener, or the balancer's), or null as for {@link #clientAddress()}. */
    InetSocketAddress localAddress();

    /**
     * What the supervisor knows of the client's TLS connection when it terminated TLS for it
     * ({@code --tls-cert}): version, cipher, client certificate, ALPN, SNI. Empty for a plain TCP
     * client. The key never reaches the worker; see {@link TlsInfo}.
     */
    default Optional<TlsInfo> tls() {
        return Optional.empty();
    }

    /**
     * Sends {@code message} (the bytes between its position and limit) to the client, framed as
     * the connection's {@code --framing} says: as is in {@code raw}; followed by {@code \n} in
     * {@code line} and {@code json}; after its 4-byte big-endian length in {@code length}; in
     * {@code fixed}, it must be exactly one record. Replies reach the client in the order they were
     * made. Once this returns, the buffer is the caller's again (it may be reused or changed).
     *
     * <p>Under {@code --model prefork}, {@code iterative}, {@code fork-per-connection} and
     * {@code threaded} it blocks until the kernel has taken all of it: a client that stops reading
     * holds the caller. Under {@code evented} it never blocks: what the socket does not take at
     * once waits in a bounded buffer (while over 64 KiB wait, the worker stops reading this
     * connection), and a reply that would overflow it fails and closes the connection. Called from
     * another thread under {@code evented}, the message is copied and sent by the event loop, and a
     * failure is logged rather than thrown.
     *
     * @throws IOException if the connection is closed, or the client is gone
     * @throws IllegalArgumentException in {@code fixed} framing, for a message that is not one record
     */
    void reply(ByteBuffer message) throws IOException;

    /**
     * Publishes {@code message} on {@code topic} to every subscriber, in every worker, through the
     * broker in the supervisor (workers never talk to each other directly). Never blocks: the
     * message is copied and queued for the broker (only a worker's first publish or subscribe
     * waits, to connect to the broker's local Unix socket). Publishing to a topic nobody
     * subscribes to does nothing.
     *
     * @throws IOException if the broker cannot be reached or this worker's queue to it (4096 messages) is full
     * @throws IllegalArgumentException for a topic that is empty, over 200 bytes or has control characters, or a message over 64 KiB
     * @throws UnsupportedOperationException where publish/subscribe is not offered (the default, for fakes in tests)
     */
    default void publish(String topic, ByteBuffer message) throws IOException {
        throw new UnsupportedOperationException("publish/subscribe is not available on this connection");
    }

    /**
     * Subscribes this connection to {@code topic}. What happens there reaches {@code subscriber},
     * whose answer forkd writes to this client through the connection's bounded outbox, in topic
     * order. With a {@code member} name the subscription joins the topic as a member: the name is
     * unique in the topic, so the broker grants or refuses it ({@link Delivery.Kind#GRANTED} or
     * {@link Delivery.Kind#REFUSED}), and the topic hears it join and leave. It ends with
     * {@link Subscription#cancel()} or when the connection closes. Never waits for the broker's answer.
     *
     * @param member a name unique in the topic (1 to 200 bytes, no control characters), or null to subscribe anonymously
     * @param history how many of the topic's last messages to replay first (0: none)
     * @throws IOException if the broker cannot be reached
     * @throws IllegalArgumentException for a bad topic or member name
     * @throws UnsupportedOperationException where publish/subscribe is not offered (the default, for fakes in tests)
     */
    default Subscription subscribe(String topic, String member, int history, Subscriber subscriber) throws IOException {
        throw new UnsupportedOperationException("publish/subscribe is not available on this connection");
    }

    /**
     * Closes the connection once what was replied so far has been sent; later replies fail. The
     * connection's subscriptions end (their members leave with reason {@code closed}), and
     * {@link Handler#onClose} follows on the handler's thread. Does nothing if already closed.
     */
    void close();

    /** False once the connection was closed, by either side; a reply may still fail when true (the client may be gone unnoticed). */
    boolean isOpen();
}
