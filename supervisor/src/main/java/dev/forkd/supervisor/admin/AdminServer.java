package dev.forkd.supervisor.admin;

import dev.forkd.supervisor.common.Addresses;
import dev.forkd.supervisor.common.AdminTokens;
import dev.forkd.supervisor.common.Buffers;
import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.Transport;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.restart.RestartCounts;
import dev.forkd.supervisor.restart.RestartHistory;
import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.pool.PoolRequests;
import dev.forkd.supervisor.pool.WorkerPool;
import dev.forkd.supervisor.pool.WorkerProcess;
import dev.forkd.supervisor.pool.WorkerState;
import com.fasterxml.jackson.databind.node.ArrayNode;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forkd.shared.StatusReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The admin endpoint (off unless --admin): GET /status, /metrics and /ready, and the status page
 * GET / that draws /status ({@link StatusPage}), open to anyone who can connect, and POST
 * /workers/reload, /workers/scale?delta=N and /workers/{id}/kill?signal=KILL|TERM, which always
 * need the bearer token (--admin-token-file, else one forkd makes: {@link AdminTokens}).
 * Every request must name this endpoint in Host and, if it has one, in Origin ({@link AdminGuard}).
 * For operators and scrapers, not for traffic: a few handler threads, see {@link AdminHttpServer}.
 */
public final class AdminServer {
    private static final Logger LOG = LogManager.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KILL = Pattern.compile("/workers/(\\d+)/kill");
    private static final Pattern DELTA = Pattern.compile("delta=([+-]?\\d{1,6})");
    private static final Pattern SIGNAL = Pattern.compile("(?:^|&)signal=(KILL|TERM)(?:&|$)");
    /** How long a client may take to send its request, or to read the answer. */
    static final long REQUEST_TIMEOUT_MILLIS = 5000;
    static final int THREADS = 4;

    private final AdminHttpServer server;
    private final WorkerPool pool;
    private final Dispatcher<WorkerProcess> dispatcher;
    private final DispatchStats stats;
    private final Metrics metrics;
    private final AdminSettings settings;
    private final AdminGuard guard;
    private final Path runtimeDir;
    private final StatusPage page = StatusPage.load();
    private final ProcessMemory memory = new ProcessMemory();
    private final long startedNanos = System.nanoTime();
    private volatile String listen = "";
    /** Set when a stop begins: /ready answers 503 from then on, while forkd may still accept (--shutdown-delay). */
    private volatile boolean stopping;
    private volatile MemoryBudget budget;
    private volatile Buffers buffers;
    private volatile java.util.function.LongSupplier tlsHandshakes;
    private volatile java.util.function.LongSupplier tlsFailures;
    private volatile java.util.function.Function<Dispatcher.Target, List<String>> clients = t -> List.of();
    /** Also run by POST /workers/reload (the TLS files read again); true if what it reloaded is in use. Null: nothing else. */
    private volatile java.util.function.BooleanSupplier alsoOnReload;
    private final byte[] token;
    private AdminTokenFiles tokenFiles;
    private final RateLimitedLog refusals = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);

    public AdminServer(InetSocketAddress address, AdminSettings settings, Path runtimeDir, WorkerPool pool, Dispatcher<WorkerProcess> dispatcher,
            DispatchStats stats, Metrics metrics) throws IOException {
        this.settings = settings;
        this.runtimeDir = runtimeDir;
        this.pool = pool;
        this.dispatcher = dispatcher;
        this.stats = stats;
        this.metrics = metrics;
        this.token = settings.tokenFile() == null ? AdminTokens.generate().getBytes(StandardCharsets.US_ASCII)
                : AdminTokens.readToken(settings.tokenFile());
        this.server = new AdminHttpServer(address, REQUEST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS, THREADS, this::handle);
        this.guard = new AdminGuard(server.address());
    }

    /** POST /workers/reload also runs {@code reload} (TLS: the certificates read again), before the rolling restart. */
    public void onReload(java.util.function.BooleanSupplier reload) {
        this.alsoOnReload = reload;
    }

    /** Publishes the token (if forkd made it) and serves. */
    public void start(String listenAddress) {
        this.listen = listenAddress;
        if (settings.tokenFile() == null) {
            tokenFiles = AdminTokenFiles.publish(new String(token, StandardCharsets.US_ASCII), runtimeDir, server.address().getPort(),
                    System.getenv(), System.getProperty("java.io.tmpdir"));
        }
        server.start();
        LOG.info("admin endpoint on http://{}/status", Addresses.format(server.address()));
    }

    /** A stop has begun: GET /ready answers 503 from now on, so that load balancers stop sending before forkd stops accepting. */
    public void stopping() {
        stopping = true;
    }

    /** Stops serving and removes the token files forkd wrote; safe to call more than once. */
    public synchronized void stop() {
        server.close();
        if (tokenFiles != null) {
            tokenFiles.close();
        }
    }

    private AdminResponse handle(AdminRequest r) {
        String path = r.path();
        String method = r.method();
        String refusal = guard.refusal(r.header("host"), r.header("origin"));
        if (refusal != null) {
            refusals.log("admin: refused {} {} from {}: {}", method, path, r.remote(), refusal);
            return AdminResponse.json(403, error(refusal));
        }
        try {
            if (path.equals("/")) {
                return method.equals("GET") ? page.response() : notAllowed(path, "GET");
            }
            if (path.equals("/status")) {
                return method.equals("GET") ? AdminResponse.json(200, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status()))
                        : notAllowed(path, "GET");
            }
            if (path.equals("/ready")) {
                return method.equals("GET") ? ready() : notAllowed(path, "GET");
            }
            if (path.equals("/metrics")) {
                if (!method.equals("GET")) {
                    return notAllowed(path, "GET");
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                metrics.write(out);
                return new AdminResponse(200, Metrics.CONTENT_TYPE, out.toByteArray(), java.util.Map.of());
            }
            Matcher kill = KILL.matcher(path);
            boolean known = path.equals("/workers/reload") || path.equals("/workers/scale") || kill.matches();
            if (!known) {
                return AdminResponse.json(404, error("not found: try / (the status page), /status, /metrics, /ready, /workers/reload, /workers/scale?delta=N, /workers/ID/kill"));
            }
            if (!method.equals("POST")) {
                return notAllowed(path, "POST");
            }
            if (!authorised(r.header("authorization"))) {
                refusals.log("admin: refused {} {} from {}: missing or wrong bearer token", method, path, r.remote());
                return AdminResponse.json(401, error("this endpoint needs Authorization: Bearer <token>; `forkd reload|scale` "
                        + "run as forkd's user find it, or give --admin-token-file")).with("WWW-Authenticate", "Bearer realm=\"forkd\"");
            }
            if (path.equals("/workers/reload")) {
                java.util.function.BooleanSupplier also = alsoOnReload;
                // before the workers: the rolling restart is asynchronous, the TLS reload is done when this answers
                String tls = also == null ? "" : also.getAsBoolean() ? ",\"tls\":\"reloaded\"" : ",\"tls\":\"kept the previous certificates: see forkd's log\"";
                pool.requests().reload();
                return AdminResponse.json(202, "{\"status\":\"reloading\"" + tls + "}");
            }
            if (path.equals("/workers/scale")) {
                return scale(r.rawQuery());
            }
            Matcher sig = SIGNAL.matcher(r.rawQuery());
            boolean force = !sig.find() || sig.group(1).equals("KILL");
            // the connections it holds at the instant of the signal, for experiments that judge what a crash took down
            List<String> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            boolean found = pool.requests().kill(Integer.parseInt(kill.group(1)), force, w -> held.addAll(clients.apply(w))).get(5, TimeUnit.SECONDS);
            if (!found) {
                return AdminResponse.json(404, error("no such worker"));
            }
            ObjectNode answer = JSON.createObjectNode();
            answer.put("signal", force ? "KILL" : "TERM");
            held.forEach(answer.putArray("clients")::add);
            return AdminResponse.json(200, answer.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AdminResponse.json(503, error("forkd is stopping"));
        } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
            LOG.error("admin request {} {} failed: {}", method, path, e.toString(), e);
            return AdminResponse.json(500, error(e.toString()));
        }
    }

    /**
     * 200 while forkd accepts and at least one worker is ready; 503 once a stop has begun or while no
     * worker is ready (all of them crashed and booting again). The endpoint starts once forkd accepts,
     * so before that a probe's connection is refused, which balancers count as not ready too.
     */
    private AdminResponse ready() {
        if (stopping) {
            return AdminResponse.json(503, "{\"ready\":false,\"reason\":\"stopping\"}");
        }
        long n = pool.snapshot().stream().filter(w -> w.state == WorkerState.READY).count();
        return n > 0 ? AdminResponse.json(200, "{\"ready\":true,\"workers_ready\":" + n + "}")
                : AdminResponse.json(503, "{\"ready\":false,\"reason\":\"no worker is ready\"}");
    }

    /** ?delta=N, one of it, a whole number of at most six digits; the pool refuses what passes its bounds (409). */
    private AdminResponse scale(String query) throws InterruptedException, ExecutionException, TimeoutException {
        String[] params = query.isEmpty() ? new String[0] : query.split("&");
        Matcher d = null;
        for (String p : params) {
            if (p.startsWith("delta=")) {
                if (d != null) {
                    return AdminResponse.json(400, error("give ?delta=N once"));
                }
                d = DELTA.matcher(p);
                if (!d.matches()) {
                    return AdminResponse.json(400, error("delta must be a whole number of at most six digits, e.g. delta=2 or delta=-1"));
                }
            }
        }
        if (d == null) {
            return AdminResponse.json(400, error("give ?delta=N (negative to remove workers)"));
        }
        String n = d.group(1);
        int delta = Integer.parseInt(n.startsWith("+") ? n.substring(1) : n);
        try {
            int target = pool.requests().scale(delta).get(5, TimeUnit.SECONDS);
            return AdminResponse.json(200, "{\"workers\":" + target + "}");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PoolRequests.ScaleRefused refused) {
                LOG.warn("admin: scale by {} refused: {}", delta, refused.getMessage());
                return AdminResponse.json(409, error(refused.getMessage()));
            }
            throw e;
        }
    }

    /** The scheme is case-insensitive (RFC 7235); the comparison is constant-time. */
    private boolean authorised(String header) {
        if (header == null) {
            return false;
        }
        String h = header.trim();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).equalsIgnoreCase("Bearer")) {
            return false;
        }
        // constant time, so that the comparison does not tell how much of a guess was right
        return java.security.MessageDigest.isEqual(token, h.substring(space + 1).trim().getBytes(StandardCharsets.UTF_8));
    }

    /** Before start: /status lists each worker's relayed clients by this (address:port each). */
    public void showClients(java.util.function.Function<Dispatcher.Target, List<String>> clientsOf) {
        this.clients = clientsOf;
    }

    /** Before start: /status shows this budget. */
    public void showBudget(MemoryBudget budget) {
        this.budget = budget;
    }

    /** Before start, with TLS: /status shows the handshakes completed and failed since start. */
    public void showTls(java.util.function.LongSupplier handshakes, java.util.function.LongSupplier failures) {
        this.tlsHandshakes = handshakes;
        this.tlsFailures = failures;
    }

    /** Before start: /status shows the data path's allocator. */
    public void showBuffers(Buffers buffers) {
        this.buffers = buffers;
    }

    StatusReport status() {
        RestartCounts restarts = pool.restarts();
        StatusReport.Connections conns = new StatusReport.Connections(dispatcher.active(), dispatcher.queued(), stats.accepted.sum(),
                stats.rejected.sum(), stats.queueTimedOut.sum(), settings.queueLimit(), stats.bytesIn.sum(), stats.bytesOut.sum());
        Runtime rt = Runtime.getRuntime();
        MemoryBudget b = budget;
        Buffers bufs = buffers;
        StatusReport.Self self = new StatusReport.Self(rt.totalMemory() - rt.freeMemory(), rt.maxMemory(), Thread.activeCount(),
                b == null ? null : b.limit(), b == null ? null : b.used(), b == null ? null : b.exhaustedEvents.sum(),
                bufs == null ? null : Transport.get().label(), bufs == null ? null : bufs.usedDirectMemory(),
                bufs == null ? null : Buffers.directMemoryLimit(), bufs == null ? null : bufs.directArenas(),
                tlsHandshakes == null ? null : tlsHandshakes.getAsLong(), tlsFailures == null ? null : tlsFailures.getAsLong(),
                memory.rssBytes(ProcessHandle.current().pid()));
        List<WorkerProcess> workers = pool.snapshot();
        workers.sort(Comparator.comparingInt(w -> w.id));
        long now = System.nanoTime();
        List<StatusReport.Worker> rows = new java.util.ArrayList<>(workers.size());
        for (WorkerProcess w : workers) {
            rows.add(new StatusReport.Worker(w.id, w.slot, w.pid, w.state.name().toLowerCase(Locale.ROOT), dispatcher.active(w),
                    List.copyOf(clients.apply(w)), w.served, restarts.total(w.slot), byReason(r -> restarts.of(w.slot, r)),
                    w.launchedAt.toString(), TimeUnit.NANOSECONDS.toSeconds(now - w.launchedNanos),
                    // an exited worker's pid may already be another process's
                    w.state == WorkerState.EXITED ? null : memory.rssBytes(w.pid)));
        }
        // "restarts" stays the one number (now every reason's); the object says which reasons
        return new StatusReport(ProcessHandle.current().pid(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos),
                settings.model(), listen, settings.handler(), pool.target(), conns, restarts.total(), byReason(restarts::of),
                recent(restarts.history().lastHour()), self, rows);
    }

    private static StatusReport.RecentRestarts recent(RestartHistory.Window w) {
        return new StatusReport.RecentRestarts((int) TimeUnit.NANOSECONDS.toSeconds(RestartHistory.BUCKET_NANOS),
                java.util.Arrays.stream(w.restarts()).boxed().toList(), java.util.Arrays.stream(w.crashes()).boxed().toList());
    }

    /** Every reason, in the enum's order. */
    private static java.util.Map<String, Long> byReason(java.util.function.ToLongFunction<RestartReason> count) {
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        for (RestartReason r : RestartReason.values()) {
            m.put(r.label(), count.applyAsLong(r));
        }
        return m;
    }

    private static String error(String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", message);
        return n.toString();
    }

    private static AdminResponse notAllowed(String path, String allowed) {
        return AdminResponse.json(405, error(path + " takes " + allowed)).with("Allow", allowed);
    }
}
