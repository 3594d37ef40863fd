package dev.forkd.worker.common;

import dev.forkd.shared.framing.Framing;

/**
 * How a worker talks to its clients: framing, limits and the heartbeat timeout (0 = off).
 * The same for every connection of the worker.
 */
public record Protocol(Framing framing, int maxFrame, int fixedSize, int bufferSize, long heartbeatTimeoutNanos) {

    public static Protocol raw(int bufferSize) {
        return new Protocol(Framing.RAW, 1 << 20, 0, bufferSize, 0);
    }

    public boolean framed() {
        return framing != Framing.RAW;
    }

    /** Only line, length and json framing can carry an error message the client can tell from data. */
    public boolean canReportErrors() {
        return framing == Framing.LINE || framing == Framing.LENGTH || framing == Framing.JSON;
    }
}
