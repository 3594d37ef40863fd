package dev.forkd.supervisor.broker;

/** One subscription a worker holds: its id on the link, its topic, and its member name ("" if anonymous). */
final class Subscription {
    final long id;
    final BrokerLink link;
    final Topic topic;
    final String member;

    Subscription(long id, BrokerLink link, Topic topic, String member) {
        this.id = id;
        this.link = link;
        this.topic = topic;
        this.member = member;
    }

    boolean named() {
        return !member.isEmpty();
    }
}
