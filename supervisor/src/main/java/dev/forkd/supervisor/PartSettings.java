package dev.forkd.supervisor;

import dev.forkd.supervisor.admin.AdminSettings;
import dev.forkd.supervisor.broker.BrokerSettings;
import dev.forkd.supervisor.launch.LaunchSettings;
import dev.forkd.supervisor.launch.WorkerConcurrency;
import dev.forkd.supervisor.pool.PoolSettings;
import java.util.Locale;

/**
 * The command line translated into each part's own settings: the parts below the root know no
 * {@link ServeConfig} nor {@link Model} (a rule in PackageRules), so that each can be read, built
 * and tested on its own terms.
 */
public final class PartSettings {
    private PartSettings() {
    }

    /** The pool's settings. */
    static PoolSettings pool(ServeConfig c) {
        return new PoolSettings(c.poolTarget(), c.connectionsPerWorker(), c.recycleAfter(), c.recycleJitter(),
                c.workerHeartbeat(), c.workerTimeout(), c.gracefulTimeout(), c.maxRestarts(), c.restartWindow(),
                c.maxWorkers(), c.processCap(),
                c.model() == Model.FORK_PER_CONNECTION ? PoolSettings.Replacement.AT_ONCE : PoolSettings.Replacement.AFTER_READY);
    }

    /** What a worker's command line is made of; public for the launcher's tests, which parse a real command line. */
    public static LaunchSettings launch(ServeConfig c) {
        return new LaunchSettings(c.workerJvmOptions(), c.workerJit().resolve(c.recycleAfter() == 1, c.workerJvmOptions()), c.logLevel(), c.handler(), c.bufferSize(),
                c.framing().name().toLowerCase(Locale.ROOT), c.maxFrame(), c.fixedSize(), c.heartbeatTimeout(),
                c.workerClasspath(), c.enableChaos(), c.handlerSpeaksFirst(), concurrency(c.model()), c.chatOutbox());
    }

    static WorkerConcurrency concurrency(Model m) {
        switch (m) {
            case THREADED:
                return WorkerConcurrency.THREAD_PER_CONNECTION;
            case EVENTED:
                return WorkerConcurrency.EVENT_LOOP;
            default:
                return WorkerConcurrency.ONE_AT_A_TIME;
        }
    }

    /** The publish/subscribe broker's bounds. */
    static BrokerSettings broker(ServeConfig c) {
        return BrokerSettings.withHistory(c.chatHistory());
    }

    /** What the admin endpoint is told. */
    static AdminSettings admin(ServeConfig c) {
        return new AdminSettings(c.adminTokenFile(), c.model().toString(), c.handler(), c.queueBound());
    }
}
