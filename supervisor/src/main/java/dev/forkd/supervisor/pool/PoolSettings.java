package dev.forkd.supervisor.pool;

import java.time.Duration;

/**
 * What the pool is told, in its own terms: built by the supervisor from the command line, so that
 * the pool depends on no command-line type.
 *
 * @param target workers the reconciler keeps (in fork-per-connection: the warm spares)
 * @param connectionsPerWorker connections one worker serves at once
 * @param recycleAfter connections a worker takes in its life before it is replaced; 0 for no limit
 * @param recycleJitter up to this many more, at random, so that workers started together are not replaced together
 * @param heartbeat how often every worker is pinged
 * @param timeout a worker silent for longer is killed
 * @param gracefulTimeout a draining worker still busy after this is stopped
 * @param maxRestarts more unplanned restarts than this within {@code restartWindow} and the pool gives up
 * @param maxWorkers the largest target a scale request may ask for
 * @param processCap the most worker processes alive at once
 * @param replacement when a worker waiting for its replacement is let go
 */
public record PoolSettings(
        int target,
        int connectionsPerWorker,
        long recycleAfter,
        long recycleJitter,
        Duration heartbeat,
        Duration timeout,
        Duration gracefulTimeout,
        int maxRestarts,
        Duration restartWindow,
        int maxWorkers,
        int processCap,
        Replacement replacement) {

    /** When a worker that is to be replaced (recycled, reloaded) drains. */
    public enum Replacement {
        /** Once a new worker is ready: the pool never has fewer ready workers than its target. */
        AFTER_READY,
        /** At once (fork-per-connection: a worker exits after its one connection, whatever the spares). */
        AT_ONCE
    }
}
