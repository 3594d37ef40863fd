package dev.forkd.worker;

import dev.forkd.shared.framing.Framing;

/**
 * How a worker talks to its clients: framing, limits and the heartbeat timeout (0 = off).
 * The same for every connection of the worker.
 */
record Protocol(Framing framing, int maxFrame, int fixedSize, int bufferSize, long heartbeatTimeoutNanos) {

    static Protocol raw(int bufferSize) {
        return new Protocol(Framing.RAW, 1 << 20, 0, bufferSize, 0);
    }

    boolean framed() {
        return framing != Framing.RAW;
    }

    /** Only line, length and json framing can carry an error message the client can tell from data. */
    boolean canReportErrors() {
        return framing == Framing.LINE || framing == Framing.LENGTH || framing == Framing.JSON;
    }
}
