package dev.forkd.worker.pubsub;

/** What a worker's connections need for publish/subscribe: the worker's broker link and each connection's outbox bound. */
public record PubSub(BrokerClient broker, int outbox) {
}
