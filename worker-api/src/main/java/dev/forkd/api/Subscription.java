package dev.forkd.api;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connection's subscription to a topic; see {@link Connection#subscribe(String, String, int, Subscriber)}.
 * Its methods may be called from any thread.
 */
public interface Subscription {

    /** The topic subscribed to. */
    String topic();

    /** The member name it joined as, or null for an anonymous subscription. */
    String member();

    /**
     * Publishes {@code message} on the topic as this member (its name goes with the message, as
     * {@link Delivery#member()}). Never blocks; a message sent before the grant, or after the end,
     * is dropped by the broker.
     *
     * @throws IOException if the broker cannot be reached or this worker's queue to it is full
     * @throws IllegalArgumentException for a message over 64 KiB
     */
    void publish(ByteBuffer message) throws IOException;

    /** Ends the subscription; the topic hears that its member left with reason {@code leave}. Idempotent. */
    void cancel();
}
