package dev.forkd.supervisor.relay;

import dev.forkd.supervisor.pool.WorkerPool;

/** A relay class that imports the pool, which the package rules forbid: PackageRulesFailTest's fixture. */
public final class RelayReachingIntoThePool {
    public WorkerPool pool;
}
