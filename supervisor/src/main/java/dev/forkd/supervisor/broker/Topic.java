package dev.forkd.supervisor.broker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One topic: its sequence (every event takes the next number, so a subscriber sees a gap-free run
 * from its grant on), its last messages, its named members and the links subscribed to it. A
 * topic lives while it has subscribers.
 */
final class Topic {
    record Kept(long seq, long ts, String from, byte[] payload) {
    }

    final String name;
    long seq;
    final ArrayDeque<Kept> history = new ArrayDeque<>();
    long historyBytes;
    /** Named members, in order of joining. */
    final Map<String, Subscription> members = new LinkedHashMap<>();
    /** Subscriptions per link: an event goes once to each link, which fans it out to its own. */
    final Map<BrokerLink, Integer> links = new HashMap<>();

    Topic(String name) {
        this.name = name;
    }

    void addLink(BrokerLink link) {
        links.merge(link, 1, Integer::sum);
    }

    void removeLink(BrokerLink link) {
        links.computeIfPresent(link, (l, n) -> n == 1 ? null : n - 1);
    }

    boolean empty() {
        return links.isEmpty();
    }

    List<String> memberNames() {
        return new ArrayList<>(members.keySet());
    }

    /** Removes the oldest kept message; returns its size. */
    long evictOldest() {
        Kept k = history.pollFirst();
        if (k == null) {
            return 0;
        }
        historyBytes -= k.payload.length;
        return k.payload.length;
    }
}
