package dev.forkd.worker.pubsub;

import dev.forkd.worker.common.WorkerLog;
import dev.forkd.api.Delivery;
import dev.forkd.api.Subscriber;
import dev.forkd.api.Subscription;
import dev.forkd.shared.pubsub.LeaveReason;
import java.io.IOException;
import java.nio.ByteBuffer;

/** One subscription of one connection, as this worker keeps it. */
final class LocalSubscription implements Subscription {
    private final BrokerClient broker;
    final long id;
    final String topic;
    final String member;
    private final Subscriber subscriber;
    final ConnectionTopics owner;
    /** The broker link it was made on (BrokerClient's), so that a cancel after a loss and relink does not touch the new link. */
    volatile Object link;
    private volatile boolean ended;

    LocalSubscription(BrokerClient broker, long id, String topic, String member, Subscriber subscriber, ConnectionTopics owner) {
        this.broker = broker;
        this.id = id;
        this.topic = topic;
        this.member = member;
        this.subscriber = subscriber;
        this.owner = owner;
    }

    /** On broker-read: asks the subscriber what to send and queues it on the connection. */
    void deliver(Delivery d) {
        if (ended && d.kind() != Delivery.Kind.REFUSED && d.kind() != Delivery.Kind.ENDED) {
            return;
        }
        ByteBuffer out;
        try {
            out = subscriber.onDelivery(d);
        } catch (RuntimeException e) {
            WorkerLog.warn("subscriber of topic {} failed on a {} delivery; closing its connection: {}", topic, d.kind(), e.toString(), e);
            owner.fail();
            return;
        }
        if (out != null) {
            owner.offer(out);
        }
    }

    /** The broker ended it (refused, or the link was lost): nothing to tell the broker. */
    void ended() {
        ended = true;
        owner.forget(this);
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public String member() {
        return member;
    }

    @Override
    public void publish(ByteBuffer message) throws IOException {
        if (!ended) {
            broker.publish(topic, id, message);
        }
    }

    @Override
    public void cancel() {
        cancel(LeaveReason.LEAVE);
    }

    void cancel(LeaveReason reason) {
        if (ended) {
            return;
        }
        ended = true;
        owner.forget(this);
        broker.cancel(this, reason);
    }
}
