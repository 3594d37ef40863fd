package dev.forkd.tools.bench;

/**
 * When each message of an open-loop {@code forkd bench} run is meant to be sent: {@code rate}
 * messages per second in total, evenly spaced, dealt round-robin to the connections (message
 * {@code j} of the run goes to connection {@code j % connections}). Latency is measured from these
 * intended times, not from the actual sends, so that a stalled server is charged for every
 * message it held up and not only for the one it was answering (coordinated omission).
 */
final class OpenLoopSchedule {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long startNanos;
    private final long rate;
    private final int connections;

    /** @param startNanos a {@link System#nanoTime()} reading: the intended time of message 0 */
    OpenLoopSchedule(long startNanos, long rate, int connections) {
        if (rate < 1 || connections < 1) {
            throw new IllegalArgumentException("rate and connections must be positive");
        }
        this.startNanos = startNanos;
        this.rate = rate;
        this.connections = connections;
    }

    /** The intended send time of the {@code k}-th message (from 0) of {@code connection} (from 0). */
    long intendedNanos(int connection, long k) {
        return startNanos + offsetNanos(k * connections + connection, rate);
    }

    /**
     * Nanoseconds from the start to message {@code index} at {@code rate} per second, exact
     * (no drift over a long run) and without overflow: whole seconds, then the remainder.
     */
    static long offsetNanos(long index, long rate) {
        return index / rate * NANOS_PER_SECOND + index % rate * NANOS_PER_SECOND / rate;
    }
}
