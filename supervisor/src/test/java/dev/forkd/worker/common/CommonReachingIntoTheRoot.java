package dev.forkd.worker.common;

import dev.forkd.worker.WorkerMain;
import dev.forkd.worker.proxy.ProxiedClient;

/**
 * A common class that imports the worker's root and proxy (which imports common back), which the
 * package rules forbid: PackageRulesFailTest's fixture.
 */
public final class CommonReachingIntoTheRoot {
    public WorkerMain main;
    public ProxiedClient client;
}
