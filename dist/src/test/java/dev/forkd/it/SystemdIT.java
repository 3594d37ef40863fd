package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** systemd integration with systemd's own tools: unit verification, socket activation, sd_notify. */
class SystemdIT {
    private static final Path UNITS = Path.of("..", "scripts", "systemd").toAbsolutePath().normalize();

    @Test
    void unitsPassSystemdAnalyzeVerify() throws Exception {
        Process p = new ProcessBuilder("systemd-analyze", "verify", "forkd.socket", "forkd.service")
                .directory(UNITS.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.trim(), "no warnings");
    }

    @Test
    void socketActivationUsesTheInheritedListener() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        // --inetd without -a: forkd starts at the first connection with the listening socket on fd 0 (and fd 1)
        List<String> cmd = new java.util.ArrayList<>(List.of("systemd-socket-activate", "--inetd", "-l", "127.0.0.1:" + port));
        cmd.addAll(ForkdProcess.javaJar(List.of("serve", "--workers", "1", "--port", "1")));
        try (ForkdProcess forkd = ForkdProcess.start("socket-activation", cmd, Map.of())) {
            forkd.awaitLine("Listening on 127.0.0.1:" + port, Duration.ofSeconds(30));
            try (Client c = new Client(port)) {
                assertEquals("ACTIVATED\n", c.roundTrip("activated\n"));
            }
            forkd.awaitLine("socket activation", Duration.ofSeconds(5));
            forkd.awaitLine("listening on 127.0.0.1:" + port, Duration.ofSeconds(5));

            // Stopping must not close the inherited channel: the JDK would then point fds 0, 1 and 2
            // at /dev/null (it assumes inetd), and the lines below, on stderr, would be lost.
            try (Client c = new Client(port)) {
                assertEquals("LIVE\n", c.roundTrip("live\n"));
                forkd.signal("TERM");
                forkd.awaitLine("stopping gracefully: no new connections; waiting up to 30s for 1 live", Duration.ofSeconds(30));
                assertEquals("STILL SERVED\n", c.roundTrip("still served\n"));
            }
            forkd.awaitLine("all connections finished", Duration.ofSeconds(30));
            forkd.awaitLine("stopped \\(exit code 0\\)", Duration.ofSeconds(30));
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
        }
    }

    @Test
    void notifiesReadyReloadingAndStopping(@TempDir Path tmp) throws Exception {
        Path socket = tmp.resolve("notify.sock");
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try (AFUNIXDatagramChannel ch = AFUNIXDatagramChannel.open()) {
            ch.bind(AFUNIXSocketAddress.of(socket.toFile()));
            try (ForkdProcess forkd = ForkdProcess.start("notify",
                    ForkdProcess.javaJar(List.of("serve", "--port", "0", "--workers", "2")), Map.of("NOTIFY_SOCKET", socket.toString()))) {
                String ready = receive(reader, ch);
                assertTrue(ready.contains("READY=1"), ready);
                assertTrue(ready.contains("STATUS=2 workers ready"), ready);
                assertTrue(ready.contains("MAINPID=" + forkd.process.pid()), ready);
                forkd.port();

                forkd.signal("HUP");
                String reloading = receive(reader, ch);
                assertTrue(reloading.contains("RELOADING=1"), reloading);
                String readyAgain = receiveUntil(reader, ch, "READY=1");
                assertTrue(readyAgain.contains("workers ready"), readyAgain);

                forkd.signal("TERM");
                receiveUntil(reader, ch, "STOPPING=1");
                assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
            }
        } finally {
            reader.shutdownNow();
            Files.deleteIfExists(socket);
        }
    }

    /** The next datagram, within a deadline. */
    private static String receive(ExecutorService reader, AFUNIXDatagramChannel ch) throws Exception {
        Future<String> f = reader.submit(() -> {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.receive(b);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        });
        return f.get(60, TimeUnit.SECONDS);
    }

    /** Skips STATUS= refreshes until a message with {@code marker} arrives. */
    private static String receiveUntil(ExecutorService reader, AFUNIXDatagramChannel ch, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String m = receive(reader, ch);
            if (m.contains(marker)) {
                return m;
            }
        }
        throw new IOException("no " + marker + " within 60s");
    }
}
