package dev.forkd.tools.bench;

import dev.forkd.tools.client.ServerAddress;
import dev.forkd.shared.framing.Framing;
import java.time.Duration;

/**
 * What one {@code forkd bench} run does, as validated by {@link BenchCommand}.
 *
 * @param rate messages per second across all connections (open loop), or 0 for a closed loop
 * @param timeout for a connect and for each complete reply
 * @param pipeline messages each connection sends before it reads their replies (1: one at a time)
 */
record BenchPlan(ServerAddress target, int connections, Duration duration, Duration warmup, int size, Framing framing,
        long rate, Duration timeout, Expect expect, int pipeline) {

    boolean openLoop() {
        return rate > 0;
    }
}
