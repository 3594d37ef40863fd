package dev.forkd.supervisor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The admin endpoint (off unless --admin): GET /status and /metrics, and POST /workers/reload,
 * /workers/scale?delta=N and /workers/{id}/kill?signal=KILL|TERM. One thread: it is for operators
 * and scrapers, not for traffic.
 */
final class AdminServer {
    private static final Logger LOG = LogManager.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KILL = Pattern.compile("/workers/(\\d+)/kill");
    private static final Pattern DELTA = Pattern.compile("(?:^|&)delta=(-?\\d{1,6})(?:&|$)");
    private static final Pattern SIGNAL = Pattern.compile("(?:^|&)signal=(KILL|TERM)(?:&|$)");

    private final HttpServer server;
    private final WorkerPool pool;
    private final Dispatcher dispatcher;
    private final DispatchStats stats;
    private final Metrics metrics;
    private final ServeConfig config;
    private final long startedNanos = System.nanoTime();
    private volatile String listen = "";
    private volatile MemoryBudget budget;
    private final byte[] token;

    AdminServer(InetSocketAddress address, ServeConfig config, WorkerPool pool, Dispatcher dispatcher, DispatchStats stats,
            Metrics metrics) throws IOException {
        this.server = HttpServer.create(address, 16);
        this.config = config;
        this.pool = pool;
        this.dispatcher = dispatcher;
        this.stats = stats;
        this.metrics = metrics;
        this.token = config.adminTokenFile() == null ? null : readToken(config.adminTokenFile());
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "admin");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
    }

    void start(String listenAddress) {
        this.listen = listenAddress;
        server.start();
        LOG.info("admin endpoint on http://{}/status", Addresses.format(server.getAddress()));
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
            String method = ex.getRequestMethod();
            Matcher kill = KILL.matcher(path);
            if (path.equals("/status")) {
                requireMethod(ex, method, "GET");
                send(ex, 200, "application/json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(status()));
            } else if (path.equals("/metrics")) {
                requireMethod(ex, method, "GET");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                metrics.write(out);
                send(ex, 200, Metrics.CONTENT_TYPE, out.toByteArray());
            } else if (path.startsWith("/workers/") && !authorised(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"forkd\"");
                sendJson(ex, 401, error("this endpoint needs Authorization: Bearer <token from --admin-token-file>"));
                LOG.warn("admin: refused {} {} from {}: missing or wrong bearer token", method, path, ex.getRemoteAddress());
            } else if (path.equals("/workers/reload")) {
                requireMethod(ex, method, "POST");
                pool.reload();
                sendJson(ex, 202, "{\"status\":\"reloading\"}");
            } else if (path.equals("/workers/scale")) {
                requireMethod(ex, method, "POST");
                Matcher d = DELTA.matcher(query);
                if (!d.find()) {
                    sendJson(ex, 400, error("give ?delta=N (negative to remove workers)"));
                    return;
                }
                int target = pool.scale(Integer.parseInt(d.group(1))).get(5, TimeUnit.SECONDS);
                sendJson(ex, 200, "{\"workers\":" + target + "}");
            } else if (kill.matches()) {
                requireMethod(ex, method, "POST");
                Matcher sig = SIGNAL.matcher(query);
                boolean force = !sig.find() || sig.group(1).equals("KILL");
                boolean found = pool.kill(Integer.parseInt(kill.group(1)), force).get(5, TimeUnit.SECONDS);
                sendJson(ex, found ? 200 : 404, found ? "{\"signal\":\"" + (force ? "KILL" : "TERM") + "\"}" : error("no such worker"));
            } else {
                sendJson(ex, 404, error("not found: try /status, /metrics, /workers/reload, /workers/scale?delta=N, /workers/ID/kill"));
            }
        } catch (MethodNotAllowed e) {
            // already answered 405
            LOG.debug("admin: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.error("admin request {} failed: {}", ex.getRequestURI(), e.toString(), e);
            sendJson(ex, 500, error(e.toString()));
        }
    }

    /** The token file holds one line; surrounding white space is not part of the token. */
    static byte[] readToken(java.nio.file.Path file) throws IOException {
        String t = java.nio.file.Files.readString(file, StandardCharsets.UTF_8).trim();
        if (t.isEmpty()) {
            throw new IOException("the admin token file " + file + " is empty");
        }
        return t.getBytes(StandardCharsets.UTF_8);
    }

    private boolean authorised(HttpExchange ex) {
        if (token == null) {
            return true;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.startsWith("Bearer ")) {
            return false;
        }
        // constant time, so that the comparison does not tell how much of a guess was right
        return java.security.MessageDigest.isEqual(token, h.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    /** Before start: /status shows this budget. */
    void showBudget(MemoryBudget budget) {
        this.budget = budget;
    }

    ObjectNode status() {
        ObjectNode root = JSON.createObjectNode();
        root.put("pid", ProcessHandle.current().pid());
        root.put("uptimeSeconds", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos));
        root.put("model", config.model().toString());
        root.put("listen", listen);
        root.put("handler", config.handler());
        root.put("targetWorkers", pool.target());
        ObjectNode conns = root.putObject("connections");
        conns.put("active", dispatcher.active());
        conns.put("queued", dispatcher.queued());
        conns.put("accepted", stats.accepted.sum());
        conns.put("rejected", stats.rejected.sum());
        conns.put("queueTimeouts", stats.queueTimedOut.sum());
        root.put("restarts", pool.restarts());
        Runtime rt = Runtime.getRuntime();
        ObjectNode self = root.putObject("supervisor");
        self.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
        self.put("heapMaxBytes", rt.maxMemory());
        self.put("threads", Thread.activeCount());
        MemoryBudget b = budget;
        if (b != null) {
            self.put("bufferBudgetBytes", b.limit());
            self.put("bufferBytesUsed", b.used());
            self.put("bufferBudgetExhausted", b.exhaustedEvents.sum());
        }
        ArrayNode list = root.putArray("workers");
        List<WorkerProcess> workers = pool.snapshot();
        workers.sort(Comparator.comparingInt(w -> w.id));
        long now = System.nanoTime();
        for (WorkerProcess w : workers) {
            ObjectNode n = list.addObject();
            n.put("id", w.id);
            n.put("slot", w.slot);
            n.put("pid", w.pid);
            n.put("state", w.state.name().toLowerCase(Locale.ROOT));
            n.put("activeConnections", dispatcher.active(w));
            n.put("connectionsServed", w.served);
            n.put("restarts", pool.restartsOf(w.slot));
            n.put("startedAt", w.launchedAt.toString());
            n.put("uptimeSeconds", TimeUnit.NANOSECONDS.toSeconds(now - w.launchedNanos));
        }
        return root;
    }

    private static String error(String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", message);
        return n.toString();
    }

    private static final class MethodNotAllowed extends Exception {
        private static final long serialVersionUID = 1L;

        MethodNotAllowed(String m) {
            super(m);
        }
    }

    private static void requireMethod(HttpExchange ex, String method, String allowed) throws IOException, MethodNotAllowed {
        if (!method.equals(allowed)) {
            ex.getResponseHeaders().set("Allow", allowed);
            sendJson(ex, 405, error(ex.getRequestURI().getPath() + " takes " + allowed));
            throw new MethodNotAllowed(method + " " + ex.getRequestURI().getPath());
        }
    }

    private static void sendJson(HttpExchange ex, int code, String body) throws IOException {
        send(ex, code, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
