package dev.forkd.shared.pubsub;

/** The kinds of frame on a broker link (worker ⇄ supervisor). */
public enum BrokerOp {
    /** worker → broker, first and once: the worker's id and pid, checked against the pool. */
    HELLO,
    /** worker → broker: subscribe {@code sub} to {@code topic}, as {@code member} (empty: anonymous), with up to {@code history} old messages. */
    SUB,
    /** worker → broker: end subscription {@code sub} for {@code reason}. */
    UNSUB,
    /** worker → broker: publish {@code payload} on {@code topic}, as subscription {@code sub}'s member (0: anonymously). */
    PUB,
    /** worker → broker, last: a clean goodbye; without it a link's members leave as crashed. */
    BYE,
    /** broker → worker: subscription {@code sub} is live from {@code seq}; {@code members} are the topic's named members. */
    GRANT,
    /** broker → worker: subscription {@code sub} was refused for {@code text} (a taken name, a limit). */
    REFUSE,
    /** broker → worker: an old message for subscription {@code sub} alone, sent before its GRANT. */
    REPLAY,
    /** broker → worker: something happened on {@code topic}, for every subscription of the link on it. */
    EVENT;

    static BrokerOp of(int code) {
        BrokerOp[] all = values();
        if (code < 0 || code >= all.length) {
            throw new IllegalArgumentException("unknown broker op " + code);
        }
        return all[code];
    }
}
