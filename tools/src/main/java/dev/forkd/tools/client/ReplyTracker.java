package dev.forkd.tools.client;

/**
 * Knows when a framed {@code forkd client} session is done: the input has ended and every
 * message sent has had its reply. Called from the sending and the receiving thread.
 */
final class ReplyTracker {
    private long sent;
    private long replies;
    private boolean inputEnded;
    /** Input lines that were themselves pings: their pongs are replies, to be printed. */
    private long typedPings;

    /**
     * Call before the message is written, so that its reply can never be counted first.
     *
     * @param ping whether the line is a heartbeat ping, whose reply will be a pong
     */
    synchronized void sent(boolean ping) {
        sent++;
        if (ping) {
            typedPings++;
        }
    }

    /**
     * A pong arrived: is it the reply to a ping the user typed, or only to our heartbeat? Pongs
     * are all alike, so any pong may stand for a typed ping's; the counts come out right.
     */
    synchronized boolean claimPong() {
        if (typedPings == 0) {
            return false;
        }
        typedPings--;
        return true;
    }

    /** @return true if this reply completes the session */
    synchronized boolean replied() {
        replies++;
        return inputEnded && replies >= sent;
    }

    /** @return true if every reply has already arrived, so the session is complete */
    synchronized boolean inputEnded() {
        inputEnded = true;
        return replies >= sent;
    }

    synchronized long outstanding() {
        return Math.max(0, sent - replies);
    }
}
