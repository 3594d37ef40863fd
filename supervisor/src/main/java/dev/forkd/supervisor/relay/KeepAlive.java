package dev.forkd.supervisor.relay;

import java.time.Duration;

/**
 * TCP keepalive for client sockets; null fields leave the system's defaults. Here, beside
 * {@link ClientSocketOptions} that applies it, so that the relay needs nothing from the serve
 * configuration.
 */
public record KeepAlive(boolean enabled, Duration idle, Duration interval, Integer count) {
    public static KeepAlive off() {
        return new KeepAlive(false, null, null, null);
    }
}
