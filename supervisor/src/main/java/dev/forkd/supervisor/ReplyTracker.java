package dev.forkd.supervisor;

/**
 * Knows when a framed {@code forkd client} session is done: the input has ended and every
 * message sent has had its reply. Called from the sending and the receiving thread.
 */
final class ReplyTracker {
    private long sent;
    private long replies;
    private boolean inputEnded;

    /** Call before the message is written, so that its reply can never be counted first. */
    synchronized void sent() {
        sent++;
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
