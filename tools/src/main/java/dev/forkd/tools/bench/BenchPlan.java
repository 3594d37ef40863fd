package dev.forkd.tools.bench;

import dev.forkd.tools.tls.ClientTls;
import dev.forkd.tools.client.ServerAddress;
import dev.forkd.shared.framing.Framing;
import java.time.Duration;

/**
 * What one {@code forkd bench} run does, as validated by {@link BenchCommand}.
 *
 * @param rate messages per second across all connections (open loop), or 0 for a closed loop
 * @param timeout for a connect (with its TLS handshake) and for each complete reply
 * @param pipeline messages each connection sends before it reads their replies (1: one at a time)
 * @param tls null: plain TCP
 */
record BenchPlan(ServerAddress target, int connections, Duration duration, Duration warmup, int size, Framing framing,
        long rate, Duration timeout, Expect expect, int pipeline, ClientTls tls) {

    BenchPlan(ServerAddress target, int connections, Duration duration, Duration warmup, int size, Framing framing,
            long rate, Duration timeout, Expect expect, int pipeline) {
        this(target, connections, duration, warmup, size, framing, rate, timeout, expect, pipeline, null);
    }

    boolean openLoop() {
        return rate > 0;
    }
}
