package dev.forkd.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** HAProxy's stats socket on a TCP port: what it thinks of each server of a backend (`show stat`). */
final class HaproxyStats {
    private final int port;

    HaproxyStats(int port) {
        this.port = port;
    }

    /** Server name to its status ("UP", "DOWN", "UP 1/2", "DOWN 1/2", "MAINT", ...) in {@code backend}. */
    Map<String, String> servers(String backend) throws IOException {
        String csv = command("show stat");
        String[] lines = csv.split("\n");
        if (lines.length == 0 || !lines[0].startsWith("# ")) {
            throw new IOException("not a `show stat` answer: " + csv);
        }
        List<String> header = List.of(lines[0].substring(2).split(",", -1));
        int px = header.indexOf("pxname");
        int sv = header.indexOf("svname");
        int status = header.indexOf("status");
        Map<String, String> servers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            if (f.length > status && f[px].equals(backend) && !f[sv].equals("BACKEND") && !f[sv].equals("FRONTEND")) {
                servers.put(f[sv], f[status]);
            }
        }
        return servers;
    }

    /** Polls until {@code server} of {@code backend} has {@code status}; fails with the last answer at the deadline. */
    void await(String backend, String server, String status, Duration timeout) throws IOException, InterruptedException {
        Await.value(timeout, last -> "HAProxy did not report " + backend + "/" + server + " " + status + " within " + timeout + ": " + last,
                () -> {
                    try {
                        return servers(backend);
                    } catch (IOException e) {
                        return Map.of("(stats socket)", e.toString()); // HAProxy not listening yet: the deadline decides
                    }
                }, last -> status.equals(last.get(server)));
    }

    String status(String backend, String server) throws IOException {
        return servers(backend).get(server);
    }

    private String command(String cmd) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write((cmd + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            // one command per connection: HAProxy answers and closes
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
