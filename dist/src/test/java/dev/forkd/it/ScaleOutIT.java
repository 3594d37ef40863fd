package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's scale-out recipe: HAProxy in front of two forkd instances, PROXY v2 and admin health checks. */
class ScaleOutIT {

    @Test
    void haproxySpreadsClientsOverTwoForkdsAndPassesTheirAddresses(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/haproxy")),
                "HAProxy is not installed (apt-get install haproxy; .ci/run installs it)");
        Path jar = HandlerJars.build(tmp, "com.example.Where", HandlerJars.WHERE);
        List<String> common = List.of("--workers", "1", "--accept-proxy", "--framing", "line",
                "--handler", "com.example.Where", "--worker-classpath", jar.toString(), "--log-level", "DEBUG");
        try (ForkdProcess a = ForkdProcess.serve("scale-out-a", with(common, "--admin", "127.0.0.1:0"));
                ForkdProcess b = ForkdProcess.serve("scale-out-b", with(common, "--admin", "127.0.0.1:0"))) {
            int portA = a.port();
            int portB = b.port();
            String adminA = new Admin(a).base.replaceAll(".*:", "");
            String adminB = new Admin(b).base.replaceAll(".*:", "");
            int front = freePort();
            Path cfg = tmp.resolve("haproxy.cfg");
            Files.writeString(cfg, String.join("\n",
                    "global",
                    "  maxconn 256",
                    "defaults",
                    "  mode tcp",
                    "  timeout connect 5s",
                    "  timeout client 30s",
                    "  timeout server 30s",
                    // a check's answer may take longer than its 300 ms interval (a cold admin endpoint's first
                    // /status, a loaded machine): the interval alone as its timeout marked both instances down
                    "  timeout check 5s",
                    "frontend clients",
                    "  bind 127.0.0.1:" + front,
                    "  default_backend forkd",
                    "backend forkd",
                    "  balance roundrobin",
                    "  option httpchk GET /status",
                    "  default-server inter 300ms fall 1 rise 1",
                    "  server a 127.0.0.1:" + portA + " send-proxy-v2 check port " + adminA,
                    "  server b 127.0.0.1:" + portB + " send-proxy-v2 check port " + adminB,
                    ""));
            Process haproxy = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("haproxy.log").toFile()).start();
            try {
                waitForPort(front);
                for (int i = 0; i < 6; i++) {
                    try (Client c = new Client(front)) {
                        c.send("who\n");
                        String reply = readLine(c);
                        assertEquals("127.0.0.1:" + c.localPort(), reply, "the worker sees the real client, not HAProxy");
                    }
                }
                // round robin over both instances
                a.awaitCount("-> worker", 2, Duration.ofSeconds(10));
                b.awaitCount("-> worker", 2, Duration.ofSeconds(10));

                // one instance stops: its admin endpoint goes away, the health check takes it out, clients go to the other
                a.signal("TERM");
                assertEquals(0, a.awaitExit(Duration.ofSeconds(30)));
                long servedByB = b.countLines("-> worker");
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                int ok = 0;
                while (ok < 6 && System.nanoTime() < deadline) {
                    try (Client c = new Client(front)) {
                        c.send("who\n");
                        if (readLine(c).equals("127.0.0.1:" + c.localPort())) {
                            ok++;
                        }
                    } catch (IOException e) {
                        ok = 0; // HAProxy had not yet seen the instance go: wait for six in a row
                    }
                }
                assertEquals(6, ok, Files.readString(tmp.resolve("haproxy.log")));
                b.awaitCount("-> worker", servedByB + 6, Duration.ofSeconds(10));
            } finally {
                haproxy.destroy();
                haproxy.waitFor();
            }
        }
    }

    private static String[] with(List<String> common, String... more) {
        List<String> all = new java.util.ArrayList<>(common);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private static String readLine(Client c) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = c.input().read()) >= 0 && ch != '\n') {
            sb.append((char) ch);
        }
        if (ch < 0) {
            throw new IOException("closed before a whole line: '" + sb + "'");
        }
        return sb.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** HAProxy binds at start; connect until it accepts, within a deadline. */
    private static void waitForPort(int port) throws Exception {
        Await.attempt(Duration.ofSeconds(20), "HAProxy listening on " + port, () -> {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                // connected: HAProxy is up
            }
        });
    }

}
