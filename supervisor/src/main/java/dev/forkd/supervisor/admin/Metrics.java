package dev.forkd.supervisor.admin;

import dev.forkd.supervisor.common.Buffers;
import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.listen.Admission;
import dev.forkd.supervisor.restart.RestartCounts;
import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.pool.WorkerPool;
import dev.forkd.supervisor.pool.WorkerProcess;
import dev.forkd.supervisor.pool.WorkerState;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Prometheus metrics, made with the Prometheus Java client. Counters the data path already
 * keeps (LongAdders) are read at scrape time through callbacks, so the hot path pays nothing extra.
 */
public final class Metrics implements WorkerPool.PoolEvents {
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private static final double NANOS = 1e9;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);
    private final Histogram spawnToReady;
    private final Histogram queueWait;

    public Metrics(DispatchStats stats, Dispatcher<?> dispatcher, Admission admission) {
        CounterWithCallback.builder().name("forkd_connections_limited").help("Connections closed at once for a connection limit.")
                .labelNames("limit").callback(cb -> {
                    cb.call(admission.refusedGlobal.sum(), "max_connections");
                    cb.call(admission.refusedPerIp.sum(), "max_per_ip");
                    cb.call(admission.refusedUntrusted.sum(), "untrusted_proxy");
                }).register(registry);
        counter("forkd_connections_accepted", "Client connections accepted.", stats.accepted::sum);
        counter("forkd_connections_queued", "Connections that had to wait in the queue for a free worker.", stats.queued::sum);
        counter("forkd_connections_rejected", "Connections closed because the queue was full.", stats.rejected::sum);
        counter("forkd_connections_queue_timeouts", "Connections closed after waiting the queue timeout.", stats.queueTimedOut::sum);
        counter("forkd_connections_first_data_timeouts", "Connections closed before a worker: nothing received within --first-data-timeout.",
                stats.firstDataTimedOut::sum);
        counter("forkd_connections_bad_proxy_header", "Connections closed before a worker: no valid PROXY header (--accept-proxy).",
                stats.badProxyHeader::sum);
        counter("forkd_connections_redispatched", "Connections sent to another worker because theirs could not be reached.", stats.redispatched::sum);
        counter("forkd_bytes_in", "Bytes received from clients.", stats.bytesIn::sum);
        counter("forkd_bytes_out", "Bytes sent to clients.", stats.bytesOut::sum);
        GaugeWithCallback.builder().name("forkd_connections_active").help("Connections being relayed now.")
                .callback(cb -> cb.call(dispatcher.active())).register(registry);
        GaugeWithCallback.builder().name("forkd_connections_waiting").help("Connections in the queue now.")
                .callback(cb -> cb.call(dispatcher.queued())).register(registry);
        spawnToReady = Histogram.builder().name("forkd_worker_spawn_to_ready_seconds")
                .help("Time from launching a worker JVM to its ready message.")
                .classicOnly().classicUpperBounds(0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5, 10, 30).register(registry);
        queueWait = Histogram.builder().name("forkd_queue_wait_seconds")
                .help("Time connections waited in the queue before a worker took them.")
                .classicOnly().classicUpperBounds(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30).register(registry);
        stats.queueWait.sink = n -> queueWait.observe(n / NANOS);
    }

    /**
     * The pool's workers and restarts. Registered once the pool exists: it is built with this
     * object as its events, so it cannot be given to the constructor.
     */
    public void pool(Supplier<Iterable<WorkerProcess>> workers, RestartCounts restarts) {
        GaugeWithCallback.builder().name("forkd_workers").help("Worker processes by state.").labelNames("state")
                .callback(cb -> {
                    Map<WorkerState, Integer> counts = new EnumMap<>(WorkerState.class);
                    for (WorkerState s : WorkerState.values()) {
                        counts.put(s, 0);
                    }
                    for (WorkerProcess w : workers.get()) {
                        counts.merge(w.state, 1, Integer::sum);
                    }
                    counts.forEach((s, n) -> cb.call(n, s.name().toLowerCase(Locale.ROOT)));
                }).register(registry);
        // read from the pool's one record, as /status and `forkd status` are: the three cannot disagree
        CounterWithCallback.builder().name("forkd_worker_restarts")
                .help("Workers that ended while forkd ran, by reason: crash, hang, recycle, reload, scale, socket, boot_failure.")
                .labelNames("reason").callback(cb -> {
                    for (RestartReason r : RestartReason.values()) {
                        cb.call(restarts.of(r), r.label());
                    }
                }).register(registry);
    }

    /** The relay's memory budget and --min-rate closes. */
    public void relay(MemoryBudget budget, java.util.concurrent.atomic.LongAdder tooSlow) {
        GaugeWithCallback.builder().name("forkd_buffer_budget_bytes").help("What relay buffers may hold in all (the memory budget).")
                .callback(cb -> cb.call(budget.limit())).register(registry);
        GaugeWithCallback.builder().name("forkd_buffer_bytes_used").help("Bytes held in relay buffers now.")
                .callback(cb -> cb.call(budget.used())).register(registry);
        counter("forkd_buffer_budget_exhausted", "Times a read or an accept waited because the memory budget was spent.",
                budget.exhaustedEvents::sum);
        counter("forkd_connections_too_slow", "Connections closed for moving fewer bytes than --min-rate over 10 s.", tooSlow::sum);
    }

    /** TLS termination: handshakes completed and failed since start. */
    public void tls(Supplier<Long> handshakes, Supplier<Long> failures) {
        counter("forkd_tls_handshakes", "TLS handshakes completed.", handshakes);
        counter("forkd_tls_handshake_failures", "TLS handshakes that failed or timed out.", failures);
    }

    /** The data path's pooled allocator of direct buffers. */
    public void buffers(Buffers buffers) {
        GaugeWithCallback.builder().name("forkd_direct_memory_used_bytes").help("Direct memory the data path's pooled allocator holds now.")
                .callback(cb -> cb.call(buffers.usedDirectMemory())).register(registry);
        GaugeWithCallback.builder().name("forkd_direct_memory_limit_bytes").help("What direct buffers may take in all (-XX:MaxDirectMemorySize).")
                .callback(cb -> cb.call(Buffers.directMemoryLimit())).register(registry);
        GaugeWithCallback.builder().name("forkd_direct_arenas").help("Arenas of the data path's pooled allocator of direct buffers.")
                .callback(cb -> cb.call(buffers.directArenas())).register(registry);
    }

    private void counter(String name, String help, Supplier<Long> value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.get())).register(registry);
    }

    @Override
    public void spawnedToReady(long nanos) {
        spawnToReady.observe(nanos / NANOS);
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
