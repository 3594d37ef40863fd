package dev.forkd.it;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * A client for forkd's admin endpoint, found from its log line. POSTs carry the token a user's
 * `forkd reload` would find: the file forkd wrote for its port in the per-user directory (forkd
 * runs here without XDG_RUNTIME_DIR, see ForkdProcess), or one given with {@link #withToken}.
 */
final class Admin {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String base;
    private String token;

    Admin(ForkdProcess forkd) throws InterruptedException {
        this("http://" + forkd.awaitLine("admin endpoint on http://(\\S+)/status", ForkdProcess.START_TIMEOUT).group(1));
    }

    /** {@code base} is {@code http://HOST:PORT}, e.g. of a forkd in a container. */
    Admin(String base) {
        this.base = base;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A POST with the token (if one is known or found). */
    HttpResponse<String> post(String path) throws IOException, InterruptedException {
        String t = token != null ? token : findToken();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (t != null) {
            b.header("Authorization", "Bearer " + t);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST with no credentials, as another local user or a web page would send it. */
    HttpResponse<String> postWithoutToken(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Uses {@code t} for POSTs, e.g. read from a container where forkd wrote it. */
    Admin withToken(String t) {
        this.token = t;
        return this;
    }

    int port() {
        return Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
    }

    /** Where forkd (started by ForkdProcess, so without XDG_RUNTIME_DIR) writes its token for this port. */
    Path tokenFile() throws IOException {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return Path.of(System.getProperty("java.io.tmpdir"), "forkd-admin-" + uid, "admin-" + port() + ".token");
    }

    private String findToken() throws IOException {
        Path f = tokenFile();
        return Files.isReadable(f) ? Files.readString(f, StandardCharsets.US_ASCII).trim() : null;
    }

    JsonNode status() throws IOException, InterruptedException {
        return JSON.readTree(get("/status").body());
    }

    /** Polls /status until {@code condition} holds; fails with the last status at the deadline. */
    JsonNode awaitStatus(Predicate<JsonNode> condition, Duration timeout) throws IOException, InterruptedException {
        return Await.value(timeout, last -> "status did not reach the expected state within " + timeout + ": " + last.toPrettyString(),
                this::status, condition);
    }

    static long countReady(JsonNode status) {
        long n = 0;
        for (JsonNode w : status.get("workers")) {
            if (w.get("state").asText().equals("ready")) {
                n++;
            }
        }
        return n;
    }
}
