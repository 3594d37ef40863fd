package dev.forkd.shared.pubsub;

/** What an EVENT on a topic says happened. Each takes the topic's next sequence number. */
public enum EventKind {
    MESSAGE, JOINED, LEFT;

    static EventKind of(int code) {
        EventKind[] all = values();
        if (code < 0 || code >= all.length) {
            throw new IllegalArgumentException("unknown event kind " + code);
        }
        return all[code];
    }
}
