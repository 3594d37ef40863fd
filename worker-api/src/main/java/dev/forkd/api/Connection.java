package dev.forkd.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;

/** A client connection as a {@link Handler} sees it. */
public interface Connection {

    /** Unique within this worker, increasing. */
    long id();

    /** The client's address from the PROXY header, or null when the proxy did not give one. */
    InetSocketAddress clientAddress();

    /** The address the client connected to (the supervisor's listener), or null. */
    InetSocketAddress localAddress();

    /**
     * What the supervisor knows of the client's TLS connection when it terminated TLS for it
     * (version, cipher, client certificate, ALPN, SNI); empty for a plain TCP client.
     */
    default Optional<TlsInfo> tls() {
        return Optional.empty();
    }

    /** Sends {@code message} to the client, blocking until the kernel has taken all of it. */
    void reply(ByteBuffer message) throws IOException;

    /**
     * Publishes {@code message} on {@code topic} to every subscriber, in every worker, through the
     * broker in the supervisor (workers never talk to each other directly). Never blocks.
     *
     * @throws IOException if the broker cannot be reached or this worker's queue to it is full
     * @throws IllegalArgumentException for a topic that is empty, over 200 bytes or has control characters, or a message over 64 KiB
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
     * {@link Subscription#cancel()} or when the connection closes.
     *
     * @param member a name unique in the topic, or null to subscribe anonymously
     * @param history how many of the topic's last messages to replay first (0: none)
     * @throws IOException if the broker cannot be reached
     */
    default Subscription subscribe(String topic, String member, int history, Subscriber subscriber) throws IOException {
        throw new UnsupportedOperationException("publish/subscribe is not available on this connection");
    }

    /** Closes the connection after what was replied so far; further replies fail. */
    void close();

    boolean isOpen();
}
