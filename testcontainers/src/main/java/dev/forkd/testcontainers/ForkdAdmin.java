package dev.forkd.testcontainers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * forkd's admin endpoint as {@link ForkdContainer} uses it: each request checked for success
 * ({@link ForkdAdminException} otherwise) and its JSON parsed; and the wait for a state of the
 * workers, which gives up at once when the container has exited.
 */
final class ForkdAdmin {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long POLL_MILLIS = 100;

    private final AdminHttp http;
    private final BooleanSupplier running;
    private final Supplier<String> log;

    ForkdAdmin(AdminHttp http, BooleanSupplier running, Supplier<String> log) {
        this.http = http;
        this.running = running;
        this.log = log;
    }

    JsonNode status() {
        return json("GET /status", http.get("/status"));
    }

    String metrics() {
        return ok("GET /metrics", http.get("/metrics"));
    }

    /** {@code signal} KILL or TERM; returns the clients the worker held. */
    List<String> kill(int id, String signal) {
        String path = "/workers/" + id + "/kill?signal=" + signal;
        JsonNode answer = json("POST " + path, http.post(path));
        List<String> clients = new ArrayList<>();
        answer.path("clients").forEach(c -> clients.add(c.asText()));
        return clients;
    }

    void reload() {
        ok("POST /workers/reload", http.post("/workers/reload"));
    }

    int scale(int delta) {
        return json("POST /workers/scale", http.post("/workers/scale?delta=" + delta)).path("workers").asInt();
    }

    /** Its target number of workers, all ready. */
    static boolean allReady(JsonNode status) {
        List<ForkdWorker> workers = ForkdWorker.listFrom(status);
        int target = status.path("targetWorkers").asInt();
        return workers.size() == target && workers.stream().allMatch(ForkdWorker::isReady);
    }

    /** Polls /status every 100 ms until {@code condition} holds; fails at the deadline, or at once if the container has exited. */
    JsonNode awaitStatus(Predicate<JsonNode> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        RuntimeException lastError = null;
        while (true) {
            try {
                last = status();
                lastError = null;
                if (condition.test(last)) {
                    return last;
                }
            } catch (UncheckedIOException e) {
                lastError = e;
                if (!running.getAsBoolean()) {
                    throw new IllegalStateException("forkd's container has exited while waiting for " + what + "; its log ends:\n"
                            + ListeningWait.tail(log.get()), e);
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                String seen = last == null ? "no answer" : last.toPrettyString();
                throw new IllegalStateException("not within " + timeout + ": " + what + "; last status: " + seen, lastError);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    private static String ok(String request, AdminHttp.Answer a) {
        if (!a.ok()) {
            throw new ForkdAdminException(request, a.status(), a.body());
        }
        return a.body();
    }

    private static JsonNode json(String request, AdminHttp.Answer a) {
        String body = ok(request, a);
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(request + " answered with something other than JSON: " + e.getOriginalMessage(), e);
        }
    }
}
