package dev.forkd.worker;

/** What a worker's connections need for publish/subscribe: the worker's broker link and each connection's outbox bound. */
record PubSub(BrokerClient broker, int outbox) {
}
