package dev.forkd.worker.pubsub;

import dev.forkd.api.Subscriber;
import dev.forkd.api.Subscription;
import dev.forkd.shared.framing.FrameEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Publish/subscribe for one connection of an event loop (evented's {@code EventedConnection}): its {@link ConnectionTopics} without a
 * writer thread. The loop takes deliveries from the outbox in batches that fit the connection's
 * outbound, woken by the outbox's {@code onFirst} hook when it stops being empty or a close is asked.
 */
public final class EventedTopics {
    /** The most deliveries one turn moves from the outbox, so that one busy member does not hold up the loop. */
    private static final int BATCH = 64;

    private final ConnectionTopics topics;

    /**
     * @param loop runs a task on the event loop's thread
     * @param drain runs on the loop when deliveries wait (handed over from the offering thread)
     * @param abort closes the connection now (a slow reader, a subscriber that threw), from any thread
     */
    public EventedTopics(long id, PubSub pubsub, Executor loop, Runnable drain, Runnable abort) {
        this.topics = new ConnectionTopics(new ConnectionTopics.Owner() {
            @Override
            public long id() {
                return id;
            }

            @Override
            public void close() {
                abort.run();
            }
        }, pubsub, null);
        // runs on broker-read, under the outbox's lock, or wherever a close is asked: only a hand-over to the loop
        topics.outbox().onFirst(() -> loop.execute(drain));
    }

    /** The next deliveries, framed, at most about {@code room} bytes (at least one delivery if room is positive); empty if none. */
    public ByteBuffer[] next(long room, FrameEncoder encoder) {
        List<ByteBuffer> parts = new ArrayList<>();
        ByteBuffer d;
        for (int n = 0; n < BATCH && room > 0 && (d = topics.outbox().poll()) != null; n++) {
            for (ByteBuffer part : encoder.encode(d)) {
                parts.add(part);
                room -= part.remaining();
            }
        }
        return parts.toArray(new ByteBuffer[0]);
    }

    public boolean pending() {
        return topics.outbox().size() > 0;
    }

    /** The outbox asked for the connection to close (the broker link is lost) and everything before it was taken. */
    public boolean closeDue() {
        Outbox box = topics.outbox();
        return box.closeRequested() && box.size() == 0;
    }

    public Subscription subscribe(String topic, String member, int history, Subscriber subscriber) throws IOException {
        return topics.subscribe(topic, member, history, subscriber);
    }

    public void publish(String topic, ByteBuffer message) throws IOException {
        topics.publish(topic, message);
    }

    /** The connection closed: its subscriptions end with {@code closed}, queued deliveries are dropped. Idempotent. */
    public void closed() {
        topics.closed();
    }
}
