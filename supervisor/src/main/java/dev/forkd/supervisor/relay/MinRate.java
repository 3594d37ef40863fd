package dev.forkd.supervisor.relay;

import java.util.concurrent.TimeUnit;

/**
 * --min-rate: a connection holding a worker must move at least RATE x 10 s in every 10-second
 * window (bytes either way, so that a client reading a long answer is not slow), as Apache's
 * mod_reqtimeout MinRate and Kestrel's minimum data rate. The first window starts when the
 * connection gets its worker; a window that passes starts the next one where the check ran.
 */
final class MinRate {
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final MinRate OFF = new MinRate(0);

    enum Verdict { WINDOW_OPEN, FAST_ENOUGH, TOO_SLOW }

    private final long bytesPerSecond;

    /** @param bytesPerSecond 0 = off */
    MinRate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    boolean enabled() {
        return bytesPerSecond > 0;
    }

    long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** What one window must move. */
    long bytesPerWindow() {
        return bytesPerSecond * TimeUnit.NANOSECONDS.toSeconds(WINDOW_NANOS);
    }

    /** @param startBytes the bytes moved when the window started; {@code bytes} the bytes moved by {@code now} */
    Verdict check(long startNanos, long startBytes, long now, long bytes) {
        if (!enabled() || now - startNanos < WINDOW_NANOS) {
            return Verdict.WINDOW_OPEN;
        }
        return bytes - startBytes < bytesPerWindow() ? Verdict.TOO_SLOW : Verdict.FAST_ENOUGH;
    }
}
