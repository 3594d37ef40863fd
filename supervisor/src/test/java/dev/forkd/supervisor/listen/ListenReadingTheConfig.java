package dev.forkd.supervisor.listen;

import dev.forkd.supervisor.ServeConfig;

/** A listen class that imports the root package, which the package rules forbid: PackageRulesFailTest's fixture. */
public final class ListenReadingTheConfig {
    public ServeConfig config;
}
