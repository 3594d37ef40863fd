package dev.forkd.supervisor.broker;

import dev.forkd.supervisor.pool.WorkerPool;

/** A fixture for PackageRulesFailTest: the broker asking the pool directly instead of through its Peers callback. */
public final class BrokerReachingIntoThePool {
    public boolean isWorker(WorkerPool pool, int id) {
        return pool.workers().stream().anyMatch(w -> w.id == id);
    }
}
