package dev.forkd.tools.bench;

/** What can go wrong for one message or connection of {@code forkd bench}; the key is the JSON field name. */
enum BenchError {
    /** The connection could not be made (refused, unreachable, timed out). */
    CONNECT("connect", "connect"),
    /** The server closed the connection before the reply was complete. */
    CLOSED("closed", "closed"),
    /** Any other I/O failure on an open connection: reset by the peer, broken pipe. */
    RESET("reset", "reset"),
    /**
     * No complete reply within --timeout on a connection that has had a reply before. A connection
     * that never had one was not taken by the server: that is {@link BenchCapacity}'s, not an error.
     */
    TIMEOUT("timeout", "timeout"),
    /** A reply that is not what --expect says, or an error frame, or one that cannot be framed. */
    WRONG_REPLY("wrongReply", "wrong reply");

    final String key;
    final String label;

    BenchError(String key, String label) {
        this.key = key;
        this.label = label;
    }
}
