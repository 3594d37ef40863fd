package dev.forkd.api;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Something that happened on a subscribed topic. Every event on a topic (a message, a member
 * joining or leaving) has the topic's next sequence number, assigned by the broker in the
 * supervisor: a subscription sees every event from its grant until it ends, once each and in order.
 */
public final class Delivery {

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

    /** The message (MESSAGE, HISTORY); empty otherwise. A fresh read-only view: it may be read, not kept past the call. */
    public ByteBuffer payload() {
        return payload.duplicate();
    }

    /** The named members (GRANTED); empty otherwise. */
    public List<String> members() {
        return members;
    }
}
