package dev.forkd.shared;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * The contract of the admin endpoint's GET /status: written by the supervisor's admin server,
 * read by `forkd status` and by the experiment's status poller, all three through this record
 * (serialised with Jackson), so that none builds or picks at the JSON by hand. Readers ignore
 * fields they do not know, so that an older `forkd status` can read a newer supervisor. Here, in
 * the module both the daemon and the tools depend on, because it is the contract between them.
 *
 * @param restarts every worker restart, whatever its reason; {@code restartsByReason} says which
 * @param restartsByReason by reason (the restart metric's labels), every reason listed
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"pid", "uptimeSeconds", "model", "listen", "handler", "targetWorkers", "connections", "restarts", "restartsByReason",
        "recentRestarts", "supervisor", "workers"})
public record StatusReport(long pid, long uptimeSeconds, String model, String listen, String handler, int targetWorkers,
        Connections connections, long restarts, Map<String, Long> restartsByReason,
        @JsonInclude(JsonInclude.Include.NON_NULL) RecentRestarts recentRestarts, Self supervisor, List<Worker> workers) {

    /** Without the last hour's restarts (older supervisors, tests). */
    public StatusReport(long pid, long uptimeSeconds, String model, String listen, String handler, int targetWorkers,
            Connections connections, long restarts, Map<String, Long> restartsByReason, Self supervisor, List<Worker> workers) {
        this(pid, uptimeSeconds, model, listen, handler, targetWorkers, connections, restarts, restartsByReason, null, supervisor, workers);
    }

    /**
     * The listener and its queue: connections now ({@code active}, {@code queued}) and since start.
     * The fields added later are absent from older supervisors.
     *
     * @param queueLimit how many connections may wait for a worker (--queue)
     * @param bytesIn bytes received from clients since start
     * @param bytesOut bytes sent to clients since start
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"active", "queued", "accepted", "rejected", "queueTimeouts", "queueLimit", "bytesIn", "bytesOut"})
    public record Connections(long active, long queued, long accepted, long rejected, long queueTimeouts,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer queueLimit,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long bytesIn,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long bytesOut) {
        public Connections(long active, long queued, long accepted, long rejected, long queueTimeouts) {
            this(active, queued, accepted, rejected, queueTimeouts, null, null, null);
        }
    }

    /**
     * Worker restarts per {@code bucketSeconds} over the last hour, oldest first; the last bucket is
     * the one in progress. Buckets are counted on the supervisor's monotonic clock from its start.
     *
     * @param restarts every restart, whatever its reason
     * @param crashes those of reason crash
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"bucketSeconds", "restarts", "crashes"})
    public record RecentRestarts(int bucketSeconds, List<Long> restarts, List<Long> crashes) {
        public RecentRestarts {
            restarts = restarts == null ? List.of() : List.copyOf(restarts);
            crashes = crashes == null ? List.of() : List.copyOf(crashes);
        }
    }

    /**
     * The supervisor process itself; the buffer fields are absent when it has no memory budget, the
     * direct-memory ones (the data path's pooled allocator) when it has no data path, the TLS ones
     * (handshakes completed and failed since start) without --tls-cert, {@code rssBytes} where
     * /proc/self/status cannot be read.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"heapUsedBytes", "heapMaxBytes", "threads", "bufferBudgetBytes", "bufferBytesUsed", "bufferBudgetExhausted",
            "transport", "directMemoryUsedBytes", "directMemoryLimitBytes", "directArenas", "tlsHandshakes", "tlsHandshakeFailures", "rssBytes"})
    public record Self(long heapUsedBytes, long heapMaxBytes, int threads,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long bufferBudgetBytes,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long bufferBytesUsed,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long bufferBudgetExhausted,
            @JsonInclude(JsonInclude.Include.NON_NULL) String transport,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long directMemoryUsedBytes,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long directMemoryLimitBytes,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer directArenas,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long tlsHandshakes,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long tlsHandshakeFailures,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long rssBytes) {
        /** Without the data path's allocator (older supervisors, tests). */
        public Self(long heapUsedBytes, long heapMaxBytes, int threads, Long bufferBudgetBytes, Long bufferBytesUsed, Long bufferBudgetExhausted) {
            this(heapUsedBytes, heapMaxBytes, threads, bufferBudgetBytes, bufferBytesUsed, bufferBudgetExhausted, null, null, null, null, null, null, null);
        }
    }

    /**
     * @param clients the client addresses (address:port) relayed to it now
     * @param startedAt an ISO-8601 instant
     * @param rssBytes its resident memory (VmRSS in /proc/PID/status); absent before it has a pid,
     *     after it exited, and where /proc cannot be read
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"id", "slot", "pid", "state", "activeConnections", "clients", "connectionsServed", "restarts", "restartsByReason",
            "startedAt", "uptimeSeconds", "rssBytes"})
    public record Worker(int id, int slot, long pid, String state, int activeConnections, List<String> clients, long connectionsServed,
            long restarts, Map<String, Long> restartsByReason, String startedAt, long uptimeSeconds,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long rssBytes) {
        public Worker {
            clients = clients == null ? List.of() : clients;
            restartsByReason = restartsByReason == null ? Map.of() : restartsByReason;
        }

        /** Without its memory (older supervisors, tests). */
        public Worker(int id, int slot, long pid, String state, int activeConnections, List<String> clients, long connectionsServed,
                long restarts, Map<String, Long> restartsByReason, String startedAt, long uptimeSeconds) {
            this(id, slot, pid, state, activeConnections, clients, connectionsServed, restarts, restartsByReason, startedAt, uptimeSeconds, null);
        }
    }

    public StatusReport {
        workers = workers == null ? List.of() : workers;
        restartsByReason = restartsByReason == null ? Map.of() : restartsByReason;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a /status answer. */
    public static StatusReport from(JsonNode status) {
        return JSON.convertValue(status, StatusReport.class);
    }

    /** Restarts of one reason (by its label) in a restartsByReason map; 0 if not listed. */
    public static long restartsOf(Map<String, Long> byReason, String label) {
        return byReason.getOrDefault(label, 0L);
    }
}
