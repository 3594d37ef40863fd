package dev.forkd.api;

import java.nio.ByteBuffer;

/**
 * Turns what happens on a topic into bytes for one connection (see
 * {@link Connection#subscribe(String, String, int, Subscriber)}).
 *
 * <p>Called on the worker's publish/subscribe thread ({@code broker-read}), not the connection's
 * handler thread, whatever the {@code --model}: deliveries of one topic come in order, one at a
 * time. It must return quickly and never block: it delays every other subscription of this
 * worker. State it shares with the handler is shared between two threads: keep it thread-safe.
 */
@FunctionalInterface
public interface Subscriber {
    /**
     * The message to send the client for {@code delivery} (a payload: forkd frames it as a reply),
     * or null to send nothing. It goes through the connection's bounded outbox (serve
     * {@code --chat-outbox}, 256 messages by default); a connection whose outbox is full is closed,
     * and the topic told that its member left as {@code slow}. forkd keeps the returned buffer
     * until it is written: return a buffer nobody changes afterwards.
     *
     * <p>A {@link RuntimeException} thrown here is logged and closes the connection (the client
     * could no longer be sure to see every delivery); its members leave as {@code closed}.
     */
    ByteBuffer onDelivery(Delivery delivery);
}
