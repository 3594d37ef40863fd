package dev.forkd.supervisor.restart;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Capped exponential backoff, in one place. A worker that exits soon after it started (a "fast
 * crash") raises the delay before the next spawn; one that ran for a while resets it. The first
 * fast crash is replaced at once: only repeated ones are slowed down. Equal jitter (half fixed,
 * half random) keeps replacements from marching in step.
 */
final class RestartPolicy {
    private final long baseNanos;
    private final long capNanos;
    private final long fastUptimeNanos;
    private final DoubleSupplier random;
    private int consecutiveFast;

    RestartPolicy(Duration base, Duration cap, Duration fastUptime, DoubleSupplier random) {
        this.baseNanos = base.toNanos();
        this.capNanos = cap.toNanos();
        this.fastUptimeNanos = fastUptime.toNanos();
        this.random = random;
    }

    /** Records an exit after {@code uptimeNanos} and returns how long to wait before replacing it. */
    long onExit(long uptimeNanos) {
        if (uptimeNanos >= fastUptimeNanos) {
            consecutiveFast = 0;
            return 0;
        }
        consecutiveFast++;
        if (consecutiveFast <= 1) {
            return 0;
        }
        int exponent = Math.min(consecutiveFast - 2, 30);
        long delay = Math.min(capNanos, baseNanos << exponent);
        if (delay < 0) {
            delay = capNanos;
        }
        return delay / 2 + (long) (random.getAsDouble() * (delay / 2));
    }

    int consecutiveFast() {
        return consecutiveFast;
    }
}
