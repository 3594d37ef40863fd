package dev.forkd.tools.experiment;

/**
 * How one load connection ended. Times are ms from the start of the load; {@code workerPid} is
 * 0 when the worker never answered {@code pid}; {@code clientPort} is our end's port (0 if it never
 * connected), by which the supervisor's log names the connection; {@code requests} counts the echo
 * round trips done; {@code firstReplyMs} is when its worker answered {@code pid} (-1: never), by
 * which a client queued behind a crash is told; {@code lastSentMs} when it sent its last request
 * (-1: none), by which a connection that was served before a crash is told from one that survived it.
 */
public record ConnectionOutcome(ConnKey key, long workerPid, int clientPort, long startMs, long endMs, int requests, boolean failed, String error,
        long firstReplyMs, long lastSentMs) {
    public boolean pidKnown() {
        return workerPid > 0;
    }
}
