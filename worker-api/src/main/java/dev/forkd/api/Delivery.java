package dev.forkd.api;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Something that happened on a subscribed topic, as a {@link Subscriber} is told. Every event on a
 * topic (a message, a member joining or leaving) has the topic's next sequence number, assigned by
 * the broker in the supervisor: a subscription sees every event from its grant until it ends, once
 * each and in order. Immutable.
 */
public final class Delivery {

    /** What happened; which of the other fields mean something depends on it. */
    public enum Kind {
        /** The subscription is live; {@link #members()} are the topic's named members, itself included. */
        GRANTED,
        /** The broker refused it ({@link #reason()}: {@code name taken}, a limit); it has ended. */
        REFUSED,
        /** An old message, replayed before the grant (as many as asked for, at most --chat-history). */
        HISTORY,
        /** A message published on the topic; {@link #member()} is its sender, or null if anonymous. */
        MESSAGE,
        /** {@link #member()} joined. */
        JOINED,
        /** {@link #member()} left; {@link #reason()} is {@code leave}, {@code closed}, {@code crashed} or {@code slow}. */
        LEFT,
        /** The worker lost its link to the broker; the subscription has ended and the connection closes once its outbox is written. */
        ENDED
    }

    private final Kind kind;
    private final String topic;
    private final long seq;
    private final long timestampMillis;
    private final String member;
    private final String reason;
    private final ByteBuffer payload;
    private final List<String> members;

    /**
     * forkd makes deliveries; the constructor is public so that a handler's unit tests can make
     * them too, to drive a {@link Subscriber}. The payload is kept as a read-only view (not
     * copied), the member list is copied; an empty member name is taken as none (null).
     *
     * @param seq the topic's sequence number of this event
     * @param timestampMillis when the broker numbered it, milliseconds since the epoch; 0 when it has none
     * @param member the sender, joiner or leaver; null or empty for none
     * @param reason why a member left, a refusal or an end; null otherwise
     * @param payload the message; empty when the kind carries none
     * @param members the named members (GRANTED); empty otherwise
     */
    public Delivery(Kind kind, String topic, long seq, long timestampMillis, String member, String reason, ByteBuffer payload, List<String> members) {
        this.kind = kind;
        this.topic = topic;
        this.seq = seq;
        this.timestampMillis = timestampMillis;
        this.member = member == null || member.isEmpty() ? null : member;
        this.reason = reason;
        this.payload = payload.asReadOnlyBuffer();
        this.members = List.copyOf(members);
    }

    public Kind kind() {
        return kind;
    }

    /** The topic it happened on: the one subscribed to. */
    public String topic() {
        return topic;
    }

    /** The topic's sequence number of this event (for GRANTED: the last one before the grant). */
    public long seq() {
        return seq;
    }

    /** When the broker numbered it (wall clock, milliseconds since the epoch); 0 for GRANTED, REFUSED and ENDED. */
    public long timestampMillis() {
        return timestampMillis;
    }

    /** The sender, joiner or leaver; null if none. */
    public String member() {
        return member;
    }

    /** Why a member left, a refusal or an end; null otherwise. */
    public String reason() {
        return reason;
    }

    /**
     * The message (MESSAGE, HISTORY); empty otherwise. A fresh read-only view on each call, so
     * reading it moves no other view's position. forkd never reuses its bytes: it may be kept, and a
     * {@link Subscriber} may return it as is to forward the message to its client.
     */
    public ByteBuffer payload() {
        return payload.duplicate();
    }

    /** The named members (GRANTED); empty otherwise. */
    public List<String> members() {
        return members;
    }
}
