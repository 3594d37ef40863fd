package dev.forkd.api;

import java.nio.ByteBuffer;

/**
 * Turns what happens on a topic into bytes for one connection (see
 * {@link Connection#subscribe(String, String, int, Subscriber)}).
 *
 * <p>Called on the worker's publish/subscribe thread, not the connection's: deliveries of one
 * topic come in order, one at a time. It must return quickly and never block (it delays every
 * other subscription of this worker); keep state it shares with the handler thread-safe.
 */
@FunctionalInterface
public interface Subscriber {
    /**
     * The message to send the client for {@code delivery} (a payload: forkd frames it as a reply),
     * or null to send nothing. It goes through the connection's bounded outbox; a connection whose
     * outbox is full is closed, and the topic told that its member left as {@code slow}.
     */
    ByteBuffer onDelivery(Delivery delivery);
}
