package dev.forkd.tools.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether the server's capacity, rather than the network, limited a {@code forkd bench} run,
 * judged from how long each connection waited for its first reply. A server that serves fewer
 * connections at once than the bench makes (a prefork forkd serves --workers at a time) accepts
 * the rest and lets them wait in its queue: they connect, send, and get nothing until a slot is
 * free. Counting those as timeouts blamed the network for a queue; here they are counted apart.
 *
 * @param measured connections that got a first reply, over which the first-reply figures are taken
 * @param firstReplyP50 the median of each connection's longest wait for a first reply, in nanoseconds
 * @param firstReplyMax the longest such wait
 * @param waited connections that were answered, but whose first reply took longer than {@code threshold}
 * @param unanswered connections that got no first reply within --timeout, or were still waiting
 *     longer than {@code threshold} for one when the run ended
 * @param firstReplyTimeouts how many times a connection got no first reply within --timeout (each time it was made again)
 * @param threshold a first reply later than this was a wait for the server: the longest of {@link #WAIT_FLOOR_NANOS},
 *     {@link #WAIT_FACTOR} median round trips, and {@link #FIRST_REPLY_FACTOR} times the fastest first reply
 */
record BenchCapacity(int measured, long firstReplyP50, long firstReplyMax, int waited, int unanswered, long firstReplyTimeouts,
        long threshold) {

    /** A first reply faster than this is no wait, whatever the round trips: a fresh worker's first message runs cold code. */
    static final long WAIT_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** A first reply this many times slower than the median round trip was kept waiting. */
    static final int WAIT_FACTOR = 10;
    /**
     * ... and this many times slower than the fastest first reply, which shows what a first reply costs
     * without a queue (a loaded machine makes every cold first reply slow, not just some).
     */
    static final int FIRST_REPLY_FACTOR = 5;

    /**
     * One connection's waits for first replies, as {@link BenchConnection} saw them.
     *
     * @param longestFirstReply the longest wait for a first reply that came, over its sockets; -1 if none came
     * @param timeouts sockets that got no first reply within --timeout
     * @param pending how long the socket open at the end had waited for its first reply; -1 if it was not waiting
     */
    record Waits(long longestFirstReply, int timeouts, long pending) {
    }

    static BenchCapacity of(List<Waits> connections, BenchResult.Latency latency) {
        long[] firsts = connections.stream().mapToLong(Waits::longestFirstReply).filter(w -> w >= 0).sorted().toArray();
        long threshold = Math.max(WAIT_FLOOR_NANOS, Math.max(latency == null ? 0 : WAIT_FACTOR * latency.p50(),
                firsts.length == 0 ? 0 : FIRST_REPLY_FACTOR * firsts[0]));
        int waited = 0;
        int unanswered = 0;
        long timeouts = 0;
        for (Waits w : connections) {
            timeouts += w.timeouts();
            if (w.timeouts() > 0 || w.pending() > threshold) {
                unanswered++;
            } else if (w.longestFirstReply() > threshold) {
                waited++;
            }
        }
        return new BenchCapacity(firsts.length, firsts.length == 0 ? -1 : firsts[(firsts.length - 1) / 2],
                firsts.length == 0 ? -1 : firsts[firsts.length - 1], waited, unanswered, timeouts, threshold);
    }

    /** Some connections waited for the server to take them: the run measured the server's queue as well as its service. */
    boolean limited() {
        return waited > 0 || unanswered > 0;
    }
}
