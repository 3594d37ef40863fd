package dev.forkd.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** What `forkd status`, `forkd reload` and `forkd scale` use to talk to a running forkd's admin endpoint. */
final class AdminClient {
    static final String DEFAULT_ADDRESS = "127.0.0.1:9901";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A failure fit for one line on stderr. */
    static final class AdminException extends Exception {
        private static final long serialVersionUID = 1L;

        AdminException(String message) {
            super(message);
        }
    }

    private final String base;
    private String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminClient(String address) throws AdminException {
        InetSocketAddress a;
        try {
            a = HostPort.parse(address, "127.0.0.1");
        } catch (IllegalArgumentException e) {
            throw new AdminException("--admin: " + e.getMessage());
        }
        this.base = "http://" + (a.getHostString().contains(":") ? "[" + a.getHostString() + "]" : a.getHostString()) + ":" + a.getPort();
    }

    /** Sends the bearer token read from {@code file} with every request (for --admin-token-file). */
    AdminClient withTokenFile(java.nio.file.Path file) throws AdminException {
        if (file != null) {
            try {
                token = new String(AdminServer.readToken(file), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AdminException("cannot read the admin token: " + e.getMessage());
            }
        }
        return this;
    }

    JsonNode get(String path) throws AdminException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    JsonNode post(String path) throws AdminException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private JsonNode send(HttpRequest.Builder request) throws AdminException, InterruptedException {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r;
        try {
            r = http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new AdminException("no forkd admin endpoint at " + base + " (start forkd serve with --admin)");
        } catch (IOException e) {
            throw new AdminException("admin endpoint " + base + ": " + e);
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AdminException("admin endpoint " + base + " answered " + r.statusCode() + " with something that is not JSON");
        }
        if (r.statusCode() >= 300) {
            throw new AdminException("admin endpoint answered " + r.statusCode() + ": " + body.path("error").asText(body.toString()));
        }
        return body;
    }
}
