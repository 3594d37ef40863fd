package dev.forkd.supervisor;

import dev.forkd.supervisor.relay.KeepAlive;
import java.nio.file.Path;
import dev.forkd.shared.framing.Framing;
import java.time.Duration;

/** Everything `forkd serve` was told, after presets and defaults are resolved. */
public record ServeConfig(
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
        // --shutdown-delay: on TERM/INT, how long forkd keeps accepting while GET /ready answers 503
        Duration shutdownDelay,
        int maxRestarts,
        Duration restartWindow,
        Path runtimeDir,
        String logLevel,
        Duration workerHeartbeat,
        Duration workerTimeout,
        Framing framing,
        int maxFrame,
        int fixedSize,
        Duration heartbeatTimeout,
        Duration idleTimeout,
        KeepAlive keepAlive,
        String workerClasspath,
        long recycleAfter,
        long recycleJitter,
        int spares,
        java.net.InetSocketAddress admin,
        java.util.List<String> workerJvmOptions,
        // --worker-jit as given (auto unless the user chose); PartSettings resolves it per model
        dev.forkd.supervisor.launch.WorkerJit workerJit,
        int maxConnections,
        int maxPerIp,
        java.nio.file.Path adminTokenFile,
        boolean acceptProxy,
        // --enable-chaos: passed on to the workers, which refuse the chaos handler without it
        boolean enableChaos,
        // --max-workers: the most workers scale/TTIN may ask for
        int maxWorkers,
        // --trusted-proxy: CIDRs whose PROXY headers are believed (with --accept-proxy)
        java.util.List<String> trustedProxies,
        // --first-data-timeout: a connection that sends nothing for this long is closed before it gets a worker
        Duration firstDataTimeout,
        // --handler-speaks-first: the handler writes before the client does, so connections get a worker at once
        boolean handlerSpeaksFirst,
        // --min-rate in bytes per second; 0 = off
        long minRateBytesPerSecond,
        // --tls-*: TlsSettings.off() without --tls-cert
        dev.forkd.supervisor.tls.TlsSettings tls,
        // --chat-history: messages per topic the broker keeps and replays to a new member
        int chatHistory,
        // --chat-outbox: deliveries a connection may have waiting before it is dropped as slow
        int chatOutbox) {

    /** Pool size the reconciler keeps: the warm spares in fork-per-connection, else the workers. */
    public int poolTarget() {
        return model == Model.FORK_PER_CONNECTION ? spares : workers;
    }

    /** The most worker processes alive at once; bounded only in fork-per-connection (busy + spares). */
    public int processCap() {
        return model == Model.FORK_PER_CONNECTION ? workers + spares : Integer.MAX_VALUE;
    }
}
