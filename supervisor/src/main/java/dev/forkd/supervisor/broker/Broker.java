package dev.forkd.supervisor.broker;

import dev.forkd.shared.pubsub.BrokerFrame;
import dev.forkd.shared.pubsub.EventKind;
import dev.forkd.shared.pubsub.LeaveReason;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The publish/subscribe logic, on the broker thread only: topics with one sequence each, named
 * members unique per topic (a join is a request this grants or refuses), the last messages of each
 * topic, and the membership events when a link ends. Every event on a topic takes the topic's next
 * number and is queued once per subscribed link, in that order, so each subscription sees a
 * gap-free, ordered run from its grant until it ends. A link whose queue passes its bound is ended
 * as slow (its members leave with {@code slow}) rather than holding memory or delaying the others.
 */
final class Broker {
    private static final Logger LOG = LogManager.getLogger(Broker.class);

    private final BrokerSettings settings;
    private final LongSupplier wallMillis;
    private final Map<String, Topic> topics = new HashMap<>();
    private final ArrayDeque<BrokerLink> slow = new ArrayDeque<>();
    private long historyBytes;
    /** Events queued to links, for /metrics-style counters and the tests. */
    long eventsQueued;
    long linksDroppedSlow;

    Broker(BrokerSettings settings, LongSupplier wallMillis) {
        this.settings = settings;
        this.wallMillis = wallMillis;
    }

    /**
     * One frame from a live link.
     *
     * @throws IllegalArgumentException for a frame no well-behaved worker sends; the caller ends the link
     */
    void onFrame(BrokerLink link, BrokerFrame f) {
        switch (f.op()) {
            case SUB -> subscribe(link, f);
            case UNSUB -> unsubscribe(link, f.sub(), f.reason());
            case PUB -> publish(link, f);
            case BYE -> link.saidBye = true;
            default -> throw new IllegalArgumentException("a worker may not send " + f.op());
        }
        endSlowLinks();
    }

    /** The link is gone (its worker exited, crashed or was dropped): its members leave, each with {@code reason}. */
    void linkEnded(BrokerLink link, LeaveReason reason) {
        end(link, reason);
        endSlowLinks();
    }

    private void subscribe(BrokerLink link, BrokerFrame f) {
        long id = f.sub();
        String member = f.member();
        if (!BrokerFrame.validName(f.topic()) || !member.isEmpty() && !BrokerFrame.validName(member)) {
            throw new IllegalArgumentException("bad topic or member name");
        }
        if (link.subs.containsKey(id)) {
            throw new IllegalArgumentException("subscription " + id + " is already in use");
        }
        if (link.subs.size() >= settings.maxSubscriptionsPerLink()) {
            link.send(BrokerFrame.refuse(id, "too many subscriptions").encode());
            return;
        }
        Topic topic = topics.get(f.topic());
        if (topic == null) {
            if (topics.size() >= settings.maxTopics()) {
                link.send(BrokerFrame.refuse(id, "too many topics").encode());
                return;
            }
            topic = new Topic(f.topic());
            topics.put(topic.name, topic);
        }
        if (!member.isEmpty() && topic.members.containsKey(member)) {
            link.send(BrokerFrame.refuse(id, "name taken").encode());
            dropIfEmpty(topic);
            return;
        }
        if (!member.isEmpty() && topic.members.size() >= BrokerFrame.MAX_MEMBERS) {
            link.send(BrokerFrame.refuse(id, "too many members").encode());
            return;
        }
        int skip = Math.max(0, topic.history.size() - Math.max(0, f.number()));
        Iterator<Topic.Kept> it = topic.history.iterator();
        for (int i = 0; it.hasNext(); i++) {
            Topic.Kept k = it.next();
            if (i >= skip) {
                link.send(BrokerFrame.replay(id, k.seq(), k.ts(), k.from(), k.payload()).encode());
            }
        }
        Subscription s = new Subscription(id, link, topic, member);
        link.subs.put(id, s);
        topic.addLink(link);
        if (s.named()) {
            topic.members.put(member, s);
        }
        link.send(BrokerFrame.grant(id, topic.seq, topic.memberNames()).encode());
        if (s.named()) {
            broadcast(topic, EventKind.JOINED, member, null, new byte[0]);
        }
    }

    private void unsubscribe(BrokerLink link, long id, LeaveReason reason) {
        Subscription s = link.subs.remove(id);
        if (s == null) {
            return; // ended already: a race with the link's own end is harmless
        }
        leave(s, reason);
    }

    private void leave(Subscription s, LeaveReason reason) {
        Topic topic = s.topic;
        topic.removeLink(s.link);
        if (s.named()) {
            topic.members.remove(s.member);
            broadcast(topic, EventKind.LEFT, s.member, reason, new byte[0]);
        }
        dropIfEmpty(topic);
    }

    private void publish(BrokerLink link, BrokerFrame f) {
        if (f.payload().length > BrokerFrame.MAX_PAYLOAD) {
            throw new IllegalArgumentException("a message of " + f.payload().length + " bytes (at most " + BrokerFrame.MAX_PAYLOAD + ")");
        }
        Topic topic = topics.get(f.topic());
        if (topic == null) {
            return; // nobody listens: nothing to number or keep
        }
        String from = "";
        if (f.sub() != 0) {
            Subscription s = link.subs.get(f.sub());
            if (s == null || s.topic != topic) {
                return; // it left meanwhile; a member that is gone says nothing
            }
            from = s.member;
        }
        long seq = broadcast(topic, EventKind.MESSAGE, from, null, f.payload());
        keep(topic, new Topic.Kept(seq, wallMillis.getAsLong(), from, f.payload()));
    }

    private void keep(Topic topic, Topic.Kept k) {
        if (settings.history() <= 0) {
            return;
        }
        topic.history.addLast(k);
        topic.historyBytes += k.payload().length;
        historyBytes += k.payload().length;
        while (topic.history.size() > settings.history() || historyBytes > settings.historyBytes() && !topic.history.isEmpty()) {
            historyBytes -= topic.evictOldest();
        }
    }

    /** Numbers the event and queues it once to every link on the topic; returns its number. */
    private long broadcast(Topic topic, EventKind kind, String member, LeaveReason reason, byte[] payload) {
        long seq = ++topic.seq;
        ByteBuffer frame = BrokerFrame.event(topic.name, kind, seq, wallMillis.getAsLong(), member, reason, payload).encode();
        for (BrokerLink l : topic.links.keySet()) {
            if (l.send(frame)) {
                eventsQueued++;
            } else if (!slow.contains(l)) {
                slow.add(l);
            }
        }
        return seq;
    }

    private void endSlowLinks() {
        BrokerLink l;
        while ((l = slow.poll()) != null) {
            if (l.state != BrokerLink.State.ENDED) {
                linksDroppedSlow++;
                LOG.warn("{} fell {} bytes behind on the broker; disconnecting it, its members leave as slow", l.label(), l.queuedBytes());
                end(l, LeaveReason.SLOW);
            }
        }
    }

    private void end(BrokerLink link, LeaveReason reason) {
        if (link.state == BrokerLink.State.ENDED) {
            return;
        }
        link.state = BrokerLink.State.ENDED;
        LeaveReason why = link.saidBye ? LeaveReason.CLOSED : reason;
        List<Subscription> subs = new ArrayList<>(link.subs.values());
        link.subs.clear();
        for (Subscription s : subs) {
            leave(s, why);
        }
        if (link.channel != null) {
            BrokerServer.closeQuietly(link.channel);
        }
    }

    private void dropIfEmpty(Topic topic) {
        if (topic.empty() && topics.remove(topic.name) != null) {
            historyBytes -= topic.historyBytes;
        }
    }

    int topicCount() {
        return topics.size();
    }

    long historyBytes() {
        return historyBytes;
    }
}
