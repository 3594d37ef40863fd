package dev.forkd.supervisor.proxy;

import dev.forkd.supervisor.relay.Relay;

/** A proxy class that imports the relay, which the package rules forbid: PackageRulesFailTest's fixture. */
public final class ProxyReachingIntoTheRelay {
    public Relay relay;
}
