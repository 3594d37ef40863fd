package dev.forkd.worker;

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
 */
final class ConnectionTopics {
    private final ClientConnection connection;
    private final BrokerClient broker;
    private final Outbox outbox;
    private final Set<LocalSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile boolean dropped;

    ConnectionTopics(ClientConnection connection, PubSub pubsub) {
        this.connection = connection;
        this.broker = pubsub.broker();
        this.outbox = new Outbox(pubsub.outbox());
    }

    Subscription subscribe(String topic, String member, int history, Subscriber subscriber) throws IOException {
        if (dropped) {
            throw new IOException("the connection is closed");
        }
        outbox.start("outbox-" + connection.id(), new Outbox.Sink() {
            @Override
            public void write(java.util.List<ByteBuffer> payloads) throws IOException {
                connection.replyAll(payloads);
            }

            @Override
            public void close() {
                connection.close();
            }
        });
        LocalSubscription s = broker.subscribe(topic, member, history, subscriber, this);
        subscriptions.add(s);
        return s;
    }

    void publish(String topic, ByteBuffer message) throws IOException {
        broker.publish(topic, 0, message);
    }

    void offer(ByteBuffer payload) {
        if (!outbox.offer(payload)) {
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
    void closed() {
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
