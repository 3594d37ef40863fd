package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /ready, what load balancers and Kubernetes probe: 200 while forkd accepts and a worker is
 * ready, 503 from the moment a stop begins, and --shutdown-delay, during which forkd goes on
 * accepting while /ready says 503, so that the balancer stops sending before the listener closes.
 */
class ReadinessIT {

    @Test
    void readyIsOpenAndTurns503WhileNoWorkerIsReady(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.HeldAtBoot", LifecycleIT.HELD_AT_BOOT);
        Path hold = tmp.resolve("hold");
        try (ForkdProcess forkd = ForkdProcess.serve("ready-no-worker", "--workers", "1", "--admin", "127.0.0.1:0",
                "--handler", "com.example.HeldAtBoot", "--worker-classpath", jar.toString(), "--worker-jvm-opt", "-Dforkd.test.hold=" + hold)) {
            forkd.port();
            Admin admin = new Admin(forkd);
            HttpResponse<String> ready = admin.get("/ready");
            assertEquals(200, ready.statusCode(), "no token needed, as for /status");
            assertEquals("{\"ready\":true,\"workers_ready\":1}", ready.body());
            assertEquals(405, admin.postWithoutToken("/ready").statusCode());

            // the only worker dies; its replacement is held in its boot: nothing can serve
            Files.createFile(hold);
            assertTrue(ProcessHandle.of(forkd.readyWorkers().get(1)).orElseThrow().destroyForcibly());
            forkd.awaitLine("\\[worker 2 pid \\d+\\] .*boot held while", Duration.ofSeconds(60));
            HttpResponse<String> notReady = admin.get("/ready");
            assertEquals(503, notReady.statusCode(), notReady.body());
            assertEquals("{\"ready\":false,\"reason\":\"no worker is ready\"}", notReady.body());

            Files.delete(hold);
            Await.value(Duration.ofSeconds(60), r -> "/ready once the replacement booted: " + r.statusCode() + " " + r.body(),
                    () -> admin.get("/ready"), r -> r.statusCode() == 200);
        }
    }

    @Test
    void shutdownDelayKeepsAcceptingWhileReadySays503ThenStopsGracefully() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("ready-shutdown-delay", "--workers", "1", "--admin", "127.0.0.1:0",
                "--shutdown-delay", "3s")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            assertEquals(200, admin.get("/ready").statusCode());
            forkd.signal("TERM");
            forkd.awaitLine("stopping: still accepting for 3s \\(--shutdown-delay\\) while /ready answers 503, so that load balancers"
                    + " stop sending first \\(SIGTERM again to stop at once\\)", Duration.ofSeconds(10));
            long delayBegan = System.nanoTime();
            HttpResponse<String> stopping = admin.get("/ready");
            assertEquals(503, stopping.statusCode());
            assertEquals("{\"ready\":false,\"reason\":\"stopping\"}", stopping.body());
            // a client the balancer sent just before it saw the 503 is served, not refused
            try (Client c = new Client(port)) {
                assertEquals("SENT DURING THE DELAY\n", c.roundTrip("sent during the delay\n"));
            }
            forkd.awaitLine("stopping gracefully: no new connections", Duration.ofSeconds(30));
            assertTrue(System.nanoTime() - delayBegan >= TimeUnit.MILLISECONDS.toNanos(2500), "the listener stayed open for the delay");
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
            assertThrows(ConnectException.class, () -> new Client(port).close(), "the listener is closed");
        }
    }

    @Test
    void aSecondTermSkipsTheShutdownDelay() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("ready-shutdown-delay-twice", "--workers", "1", "--admin", "127.0.0.1:0",
                "--shutdown-delay", "10m")) {
            forkd.port();
            Admin admin = new Admin(forkd);
            forkd.signal("TERM");
            forkd.awaitLine("stopping: still accepting for 10m", Duration.ofSeconds(10));
            assertEquals(503, admin.get("/ready").statusCode());
            forkd.signal("TERM");
            forkd.awaitLine("received SIGTERM again: stopping at once", Duration.ofSeconds(10));
            // well within the ten minutes
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
        }
    }

    @Test
    void withoutShutdownDelayTheListenerClosesAtOnce() throws IOException, InterruptedException {
        try (ForkdProcess forkd = ForkdProcess.serve("ready-no-delay", "--workers", "1", "--admin", "127.0.0.1:0")) {
            forkd.port();
            new Admin(forkd);
            forkd.signal("TERM");
            forkd.awaitLine("stopping gracefully: no new connections", Duration.ofSeconds(10));
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
            assertEquals(0, forkd.countLines("still accepting"), "the default, 0s, keeps today's stop");
        }
    }
}
