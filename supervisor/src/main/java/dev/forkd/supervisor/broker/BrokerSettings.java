package dev.forkd.supervisor.broker;

/**
 * The broker's bounds.
 *
 * @param history messages kept per topic and replayed to a new subscriber that asks (--chat-history)
 * @param historyBytes the most bytes of history kept over all topics
 * @param linkQueueBytes the most bytes queued for one worker; a worker past it is disconnected as slow
 * @param maxTopics topics alive at once (a topic lives while it has subscribers)
 * @param maxSubscriptionsPerLink subscriptions one worker may hold
 */
public record BrokerSettings(int history, long historyBytes, long linkQueueBytes, int maxTopics, int maxSubscriptionsPerLink) {

    /** The defaults, with {@code history} messages per topic. */
    public static BrokerSettings withHistory(int history) {
        return new BrokerSettings(history, 16L << 20, 8L << 20, 65_536, 65_536);
    }
}
