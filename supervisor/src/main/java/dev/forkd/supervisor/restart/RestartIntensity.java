package dev.forkd.supervisor.restart;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * OTP's restart intensity: more than {@code max} restarts within {@code window} means restarting
 * does not help, and the supervisor gives up (exit 70) so that the service manager can decide.
 */
final class RestartIntensity {
    private final int max;
    private final long windowNanos;
    private final ArrayDeque<Long> restarts = new ArrayDeque<>();

    RestartIntensity(int max, Duration window) {
        this.max = max;
        this.windowNanos = window.toNanos();
    }

    /** Records a restart at {@code nowNanos}; true if that is one too many. */
    boolean recordAndCheckExceeded(long nowNanos) {
        restarts.addLast(nowNanos);
        while (!restarts.isEmpty() && nowNanos - restarts.peekFirst() > windowNanos) {
            restarts.removeFirst();
        }
        return restarts.size() > max;
    }

    int inWindow() {
        return restarts.size();
    }
}
