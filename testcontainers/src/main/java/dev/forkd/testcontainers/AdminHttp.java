package dev.forkd.testcontainers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One HTTP/1.1 request per connection to forkd's admin endpoint, written by hand for one reason:
 * the Host header. forkd answers only requests that name its own bound address in Host (its
 * defence against DNS rebinding); through Docker's port mapping the test reaches it at
 * {@code localhost:MAPPED}, which is not that address, and Java's HttpClient does not let a
 * library set Host. So the request goes to {@code host:port} and names {@code hostHeader}. forkd
 * answers with Content-Length and closes the connection, so the answer is read to its end.
 */
final class AdminHttp {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Far above any /status or /metrics of forkd; a bound so that a wrong peer cannot fill the heap. */
    private static final int MAX_ANSWER = 16 << 20;

    record Answer(int status, String body) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    private final String host;
    private final int port;
    private final String hostHeader;
    private final AdminToken token;

    AdminHttp(String host, int port, String hostHeader, AdminToken token) {
        this.host = host;
        this.port = port;
        this.hostHeader = hostHeader;
        this.token = token;
    }

    Answer get(String path) {
        return exchange("GET", path, false);
    }

    /** A POST with the bearer token; forkd's mutations (the /workers endpoints) all need it. */
    Answer post(String path) {
        return exchange("POST", path, true);
    }

    private Answer exchange(String method, String path, boolean withToken) {
        StringBuilder req = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n")
                .append("User-Agent: forkd-testcontainers\r\n")
                .append("Connection: close\r\n");
        if (withToken) {
            req.append("Authorization: Bearer ").append(token.value()).append("\r\n")
                    .append("Content-Length: 0\r\n");
        }
        req.append("\r\n");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
            s.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return parse(readAll(s.getInputStream()), method, path);
        } catch (IOException e) {
            // the message names the request, never the token
            throw new UncheckedIOException("forkd admin endpoint " + host + ":" + port + ": " + method + " " + path + " failed: " + e.getMessage(), e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            all.write(buf, 0, n);
            if (all.size() > MAX_ANSWER) {
                throw new IOException("answer larger than " + MAX_ANSWER + " bytes");
            }
        }
        return all.toByteArray();
    }

    /** Status line, headers, body; the body is what follows the blank line (the connection's end is its end). */
    static Answer parse(byte[] raw, String method, String path) throws IOException {
        String text = new String(raw, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete HTTP answer to " + method + " " + path + " (" + raw.length + " bytes)");
        }
        String statusLine = text.substring(0, text.indexOf("\r\n"));
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer to " + method + " " + path + ": " + statusLine);
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status line answering " + method + " " + path + ": " + statusLine, e);
        }
        return new Answer(status, text.substring(end + 4));
    }
}
