package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.broker.BrokerSettings;

/** A fixture for PackageRulesFailTest: the pool reaching for the broker, which only the root wires. */
public final class PoolUsingTheBroker {
    int history() {
        return BrokerSettings.withHistory(20).history();
    }
}
