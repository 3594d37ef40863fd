package dev.forkd.supervisor.tls;

import dev.forkd.supervisor.pool.WorkerPool;

/** A tls class that imports the pool, which the package rules forbid: PackageRulesFailTest's fixture. */
public final class TlsReachingIntoThePool {
    public WorkerPool pool;
}
