package dev.forkd.worker.pubsub;

import dev.forkd.worker.common.WorkerLog;
import dev.forkd.api.Subscriber;
import dev.forkd.api.Subscription;
import dev.forkd.shared.pubsub.LeaveReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One connection's side of publish/subscribe: its subscriptions and its outbox. A full outbox drops
 * the connection as slow (its members leave with {@code slow}); closing the connection ends its
 * subscriptions with {@code closed}.
 *
 * <p>Who writes the outbox is the model's business: in the blocking models a writer thread per
 * subscribed connection (the {@link Outbox.Sink} it is made with); an event loop passes {@code null} as the writer and
 * drains {@link #outbox()} itself, woken through {@link Outbox#onFirst}. Nothing here blocks the
 * caller but the first use of the worker's broker link (a local Unix-socket connect).
 */
public final class ConnectionTopics {
    /** The connection as publish/subscribe needs it. */
    public interface Owner {
        long id();

        void close();
    }

    private final Owner connection;
    private final BrokerClient broker;
    private final Outbox outbox;
    private final Outbox.Sink writer;
    private final Set<LocalSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile boolean dropped;

    /** @param writer writes the outbox on a thread of its own; null when an event loop drains {@link #outbox()} */
    public ConnectionTopics(Owner connection, PubSub pubsub, Outbox.Sink writer) {
        this.connection = connection;
        this.broker = pubsub.broker();
        this.outbox = new Outbox(pubsub.outbox());
        this.writer = writer;
    }

    Outbox outbox() {
        return outbox;
    }

    public Subscription subscribe(String topic, String member, int history, Subscriber subscriber) throws IOException {
        if (dropped) {
            throw new IOException("the connection is closed");
        }
        if (writer != null) {
            outbox.start("outbox-" + connection.id(), writer);
        }
        LocalSubscription s = broker.subscribe(topic, member, history, subscriber, this);
        subscriptions.add(s);
        return s;
    }

    public void publish(String topic, ByteBuffer message) throws IOException {
        broker.publish(topic, 0, message);
    }

    /** On broker-read: queues a delivery; the broker client wakes the writer once its burst is queued. */
    void offer(ByteBuffer payload) {
        if (outbox.offer(payload)) {
            broker.toWake(outbox);
        } else {
            dropSlow();
        }
    }

    private void dropSlow() {
        if (dropped) {
            return;
        }
        dropped = true;
        WorkerLog.info("connection {}: more than {} deliveries waiting for the client; dropping it as slow", connection.id(), outbox.size());
        endAll(LeaveReason.SLOW);
        connection.close();
    }

    /** A subscriber threw: the connection cannot be trusted to see every delivery any more. */
    void fail() {
        if (!dropped) {
            dropped = true;
            endAll(LeaveReason.CLOSED);
            connection.close();
        }
    }

    void closeAfterOutbox() {
        outbox.closeWhenEmpty();
    }

    void forget(LocalSubscription s) {
        subscriptions.remove(s);
    }

    /** The connection closed: its subscriptions end, queued deliveries are dropped. */
    public void closed() {
        dropped = true;
        endAll(LeaveReason.CLOSED);
        outbox.close();
    }

    private void endAll(LeaveReason reason) {
        for (LocalSubscription s : new ArrayList<>(subscriptions)) {
            s.cancel(reason);
        }
    }
}
