package dev.forkd.supervisor;

import java.nio.file.Path;
import java.time.Duration;

/** Everything `forkd serve` was told, after presets and defaults are resolved. */
record ServeConfig(
        String host,
        int port,
        int backlog,
        Model model,
        int workers,
        int connectionsPerWorker,
        String handler,
        int bufferSize,
        int queueBound,
        Duration queueTimeout,
        Duration gracefulTimeout,
        int maxRestarts,
        Duration restartWindow,
        Path runtimeDir,
        String logLevel,
        Duration workerHeartbeat,
        Duration workerTimeout) {
}
