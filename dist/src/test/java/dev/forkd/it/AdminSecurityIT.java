package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint as an attacker on the same host sees it: another local user, a web page in a
 * browser (DNS rebinding, cross-site POST), a client that sends half a request. Each test failed
 * on 76028be, where POSTs needed no credentials without --admin-token-file, Host and Origin were
 * not looked at, scale had no cap and one half-sent request held the only admin thread.
 */
class AdminSecurityIT {
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void mutationsNeedTheTokenForkdWroteForItsUser() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("admin-sec-token", "--workers", "2", "--max-workers", "3", "--admin", "127.0.0.1:0")) {
            forkd.port();
            Admin admin = new Admin(forkd);
            JsonNode s = admin.awaitStatus(st -> Admin.countReady(st) == 2, Duration.ofSeconds(60));
            JsonNode victim = s.get("workers").get(0);
            long pid = victim.get("pid").asLong();

            HttpResponse<String> denied = admin.postWithoutToken("/workers/" + victim.get("id").asInt() + "/kill?signal=KILL");
            assertEquals(401, denied.statusCode(), denied.body());
            assertTrue(denied.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(401, admin.postWithoutToken("/workers/scale?delta=999999").statusCode());
            assertEquals(401, admin.postWithoutToken("/workers/reload").statusCode());
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the worker lives");
            assertEquals(pid, admin.status().get("workers").get(0).get("pid").asLong());
            forkd.awaitLine("admin: refused POST /workers/\\d+/kill from .*: missing or wrong bearer token", Duration.ofSeconds(10));

            // the token forkd wrote: in the per-user directory and the runtime directory, 0600, never logged
            Matcher where = forkd.awaitLine("admin token \\(for POST /workers/\\.\\.\\.\\) written to \\[(\\S+), (\\S+)\\]", Duration.ofSeconds(10));
            Path inRuntimeDir = Path.of(where.group(1));
            Path perUser = Path.of(where.group(2));
            assertEquals(admin.tokenFile(), perUser);
            assertEquals("admin.token", inRuntimeDir.getFileName().toString());
            String token = Files.readString(perUser).trim();
            assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
            assertEquals(token, Files.readString(inRuntimeDir).trim());
            for (Path f : List.of(perUser, inRuntimeDir)) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS)), f.toString());
                assertEquals(Files.getOwner(Path.of("/proc/self")), Files.getOwner(f, LinkOption.NOFOLLOW_LINKS));
            }
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(perUser.getParent(), LinkOption.NOFOLLOW_LINKS)));
            assertFalse(forkd.output().contains(token), "the token is never logged");

            // RFC 7235: the scheme is case-insensitive
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> lower = http.send(HttpRequest.newBuilder(URI.create(admin.base + "/workers/" + victim.get("id").asInt() + "/kill"))
                    .header("Authorization", "bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, lower.statusCode(), lower.body());
            admin.awaitStatus(st -> Admin.countReady(st) == 2 && st.get("restarts").asInt() == 1, Duration.ofSeconds(60));

            // the CLI, run by the same user with no token flag, finds the token
            String address = "127.0.0.1:" + admin.port();
            try (CommandProcess reload = CommandProcess.start("admin-sec-cli-reload", "reload", "--admin", address)) {
                assertEquals(0, reload.awaitExit(CLI_TIMEOUT), reload.stderr());
            }
            forkd.awaitLine("rolling restart complete", Duration.ofSeconds(60));
            try (CommandProcess scale = CommandProcess.start("admin-sec-cli-scale", "scale", "+1", "--admin", address)) {
                assertEquals(0, scale.awaitExit(CLI_TIMEOUT), scale.stderr());
                assertEquals("workers: 3", scale.stdout().trim());
            }

            // the cap: the endpoint says 409, the CLI exits 2, TTIN changes nothing
            HttpResponse<String> past = admin.post("/workers/scale?delta=999999");
            assertEquals(409, past.statusCode(), past.body());
            assertTrue(past.body().contains("--max-workers 3"), past.body());
            try (CommandProcess scale = CommandProcess.start("admin-sec-cli-scale-past", "scale", "+1", "--admin", address)) {
                assertEquals(2, scale.awaitExit(CLI_TIMEOUT), scale.stderr());
                assertTrue(scale.stderr().contains("--max-workers 3"), scale.stderr());
            }
            try (CommandProcess scale = CommandProcess.start("admin-sec-cli-scale-abs", "scale", "10", "--admin", address)) {
                assertEquals(2, scale.awaitExit(CLI_TIMEOUT), scale.stderr());
            }
            forkd.signal("TTIN");
            forkd.awaitLine("WARN.*SIGTTIN ignored: cannot scale from 3 to 4 worker\\(s\\): the limit is --max-workers 3", Duration.ofSeconds(10));
            // nonsense deltas: a clear 400 or 409, nothing changes
            assertEquals(400, admin.post("/workers/scale?delta=abc").statusCode());
            assertEquals(400, admin.post("/workers/scale?delta=1&delta=2").statusCode());
            assertEquals(400, admin.post("/workers/scale?delta=1234567").statusCode());
            HttpResponse<String> below = admin.post("/workers/scale?delta=-3");
            assertEquals(409, below.statusCode(), below.body());
            assertEquals(3, admin.status().get("targetWorkers").asInt());

            // the token files go with forkd
            forkd.signal("TERM");
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(60)));
            assertFalse(Files.exists(perUser, LinkOption.NOFOLLOW_LINKS), perUser + " removed on exit");
            assertFalse(Files.exists(inRuntimeDir, LinkOption.NOFOLLOW_LINKS), inRuntimeDir + " removed on exit");
        }
    }

    @Test
    void foreignHostOrOriginIsRefused() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("admin-sec-host", "--workers", "1", "--admin", "127.0.0.1:0")) {
            forkd.port();
            Admin admin = new Admin(forkd);
            int port = admin.port();
            // DNS rebinding: the page's name now resolves to 127.0.0.1, the browser still says its name
            assertEquals(403, status(raw(port, "GET /status HTTP/1.1\r\nHost: evil.example:" + port + "\r\n\r\n")));
            String token = Files.readString(admin.tokenFile()).trim();
            assertEquals(403, status(raw(port, "POST /workers/reload HTTP/1.1\r\nHost: evil.example:" + port
                    + "\r\nAuthorization: Bearer " + token + "\r\nContent-Length: 0\r\n\r\n")));
            // a cross-site POST from a page on another origin
            assertEquals(403, status(raw(port, "POST /workers/reload HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nOrigin: http://evil.example\r\nContent-Length: 0\r\n\r\n")));
            assertEquals(403, status(raw(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nOrigin: http://evil.example\r\n\r\n")));
            forkd.awaitLine("WARN.*admin: refused GET /status from .*Host 'evil.example:" + port + "'", Duration.ofSeconds(10));
            // what real clients send passes
            assertEquals(200, status(raw(port, "GET /status HTTP/1.1\r\nHost: localhost:" + port + "\r\n\r\n")));
            assertEquals(200, status(raw(port, "GET /status HTTP/1.0\r\n\r\n")), "HTTP/1.0 without Host");
            assertEquals(200, status(raw(port, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nOrigin: http://127.0.0.1:" + port + "\r\n\r\n")));
            assertEquals(0, forkd.countLines("rolling restart"), "no refused request reached the pool");
        }
    }

    @Test
    void halfSentRequestsDoNotStopStatus() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("admin-sec-slow", "--workers", "1", "--admin", "127.0.0.1:0")) {
            forkd.port();
            Admin admin = new Admin(forkd);
            int port = admin.port();
            List<Socket> slow = new ArrayList<>();
            try {
                slow.add(halfSent(port));
                long t0 = System.nanoTime();
                assertEquals(200, admin.get("/status").statusCode());
                long one = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                for (int i = 0; i < 8; i++) {
                    slow.add(halfSent(port));
                }
                t0 = System.nanoTime();
                assertEquals(200, admin.get("/status").statusCode());
                long nine = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                System.err.printf("[admin-sec-slow] GET /status with 1 half-sent request open: %d ms; with 9: %d ms%n", one, nine);
                assertTrue(one < 3000 && nine < 3000, one + " ms, " + nine + " ms");
                // and the half-sent ones are closed at the request deadline (5 s), not held for ever
                for (Socket s : slow) {
                    s.setSoTimeout(15_000);
                    assertEquals(-1, s.getInputStream().read(), "closed by forkd");
                }
                forkd.awaitLine("WARN.*admin: closed a connection from .* that did not send a whole request within 5000 ms", Duration.ofSeconds(10));
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aPerUserDirectoryOfAnotherUserIsNotWrittenInto(@TempDir Path tmp) throws Exception {
        // the squatter (uid 65534) makes $XDG_RUNTIME_DIR/forkd first, as it could /tmp/forkd-admin-UID
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path xdg = Files.createDirectory(tmp.resolve("xdg"));
        Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path squatted = xdg.resolve("forkd");
        Process mkdir = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "mkdir", "-m", "0777", squatted.toString())
                .inheritIO().start();
        assertTrue(mkdir.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, mkdir.exitValue());
        assertEquals(65534, (Integer) Files.getAttribute(squatted, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        try (ForkdProcess forkd = ForkdProcess.start("admin-sec-squat",
                ForkdProcess.javaJar(List.of("serve", "--port", "0", "--workers", "1", "--admin", "127.0.0.1:0")),
                Map.of("XDG_RUNTIME_DIR", xdg.toString()))) {
            forkd.port();
            Admin admin = new Admin(forkd);
            forkd.awaitLine("ERROR.*admin token: not writing into " + squatted + ": it belongs to uid 65534", Duration.ofSeconds(10));
            Matcher where = forkd.awaitLine("admin token \\(for POST /workers/\\.\\.\\.\\) written to \\[(\\S+)\\]", Duration.ofSeconds(10));
            try (var listing = Files.list(squatted)) {
                assertEquals(0, listing.count(), "nothing written into the squatter's directory");
            }
            // the token in the runtime directory still works, given by hand
            String token = Files.readString(Path.of(where.group(1))).trim();
            assertEquals(202, admin.withToken(token).post("/workers/reload").statusCode());
        }
    }

    private static Socket halfSent(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.getOutputStream().write(("GET /status HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** Sends {@code request} as is (java.net.http will not send a foreign Host) and returns the answer. */
    private static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            // Connection: close, so that a server keeping the connection open (as 76028be's did) still ends the answer
            s.getOutputStream().write(request.replaceFirst("\r\n", "\r\nConnection: close\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            try {
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (SocketTimeoutException e) {
                throw new IOException("no answer within 10 s to " + request.lines().findFirst().orElse(""), e);
            }
        }
    }

    private static int status(String response) {
        assertTrue(response.startsWith("HTTP/1."), response);
        return Integer.parseInt(response.substring(9, 12));
    }
}
