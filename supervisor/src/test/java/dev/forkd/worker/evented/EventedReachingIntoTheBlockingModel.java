package dev.forkd.worker.evented;

import dev.forkd.worker.blocking.ClientConnection;

/** An evented class that imports the blocking model, which the package rules forbid: PackageRulesFailTest's fixture. */
public final class EventedReachingIntoTheBlockingModel {
    public ClientConnection connection;
}
