package dev.forkd.supervisor.cli;

import dev.forkd.supervisor.common.AdminTokens;
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
public final class AdminClient {
    static final String DEFAULT_ADDRESS = "127.0.0.1:9901";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A failure fit for one line on stderr. */
    public static final class AdminException extends Exception {
        private static final long serialVersionUID = 1L;

        /** The HTTP status the endpoint answered, or 0 if it never answered. */
        final int status;

        AdminException(String message) {
            this(message, 0);
        }

        AdminException(String message, int status) {
            super(message);
            this.status = status;
        }
    }

    private final String base;
    private final InetSocketAddress address;
    private String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public AdminClient(String address) throws AdminException {
        InetSocketAddress a;
        try {
            a = HostPort.parse(address, "127.0.0.1");
        } catch (IllegalArgumentException e) {
            throw new AdminException("--admin: " + e.getMessage());
        }
        this.address = a;
        this.base = "http://" + (a.getHostString().contains(":") ? "[" + a.getHostString() + "]" : a.getHostString()) + ":" + a.getPort();
    }

    /**
     * The bearer token for POST requests: from {@code file} (--admin-token-file) if given, else the
     * one a forkd run by this user wrote for this port, else the shipped unit's (if readable). The
     * automatic lookup is for a loopback endpoint only: a remote one never gets a local token.
     */
    public AdminClient withToken(java.nio.file.Path file) throws AdminException {
        java.nio.file.Path source = file;
        if (source == null && address.getAddress() != null && address.getAddress().isLoopbackAddress()) {
            try {
                source = AdminTokens.find(address.getPort(), System.getenv(), System.getProperty("java.io.tmpdir"), AdminTokens.selfUid(),
                        AdminTokens.UNIT_TOKEN);
            } catch (IOException e) {
                // without our uid there is no per-user path; the endpoint will say 401 if a token was needed
                source = null;
            }
        }
        if (source != null) {
            try {
                token = new String(AdminTokens.readToken(source), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AdminException("cannot read the admin token: " + e.getMessage());
            }
        }
        return this;
    }

    public JsonNode get(String path) throws AdminException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), false);
    }

    public JsonNode post(String path) throws AdminException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()), true);
    }

    /** Only a mutation carries the token: reading needs none, and the fewer copies sent the better. */
    private JsonNode send(HttpRequest.Builder request, boolean mutation) throws AdminException, InterruptedException {
        if (mutation && token != null) {
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
            String hint = r.statusCode() == 401 ? " (no token found for this port: run as forkd's user, or give --admin-token-file)" : "";
            throw new AdminException("admin endpoint answered " + r.statusCode() + ": " + body.path("error").asText(body.toString()) + hint,
                    r.statusCode());
        }
        return body;
    }
}
