package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The chaos handler end to end (issue 4): each way a worker can die or hang, in a real worker JVM,
 * and what the supervisor makes of it: the exit logged as what it was, the other connections
 * untouched, a replacement ready.
 */
class ChaosIT {
    private static final String[] CHAOS = {"--handler", "chaos", "--enable-chaos"};
    /** Heartbeat.KILL_GRACE: a SIGSTOPped worker ignores TERM, so it is the KILL after this that ends it. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(3);

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--handler chaos | --handler chaos needs --enable-chaos: it lets any client crash workers",
        "--handler chaos --enable-chaos --framing raw | --handler chaos reads one command per line: use --framing line",
        "--handler chaos --enable-chaos --framing length | --handler chaos reads one command per line: use --framing line",
    })
    void chaosIsRefusedWithExit2UnlessEnabledAndLineFramed(String args, String message) throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-refused-" + args.replaceAll("\\W+", "-"), args.split(" "))) {
            assertEquals(2, forkd.awaitExit(Duration.ofSeconds(30)));
            String out = forkd.output();
            assertTrue(out.contains(message), out);
            assertFalse(out.contains("Exception"), out);
            assertFalse(out.contains("listening on"), out);
            assertEquals(0, forkd.countLines("ready in"), "no worker was started");
        }
    }

    @Test
    void crashTakesDownOnlyItsOwnConnection() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-crash", with("--workers", "2"))) {
            int port = forkd.port();
            forkd.awaitLine("chaos enabled", Duration.ofSeconds(5));
            try (Client a = new Client(port); Client b = new Client(port)) {
                long pidA = Long.parseLong(ask(a, "pid"));
                long pidB = Long.parseLong(ask(b, "pid"));
                Map<Integer, Long> workers = forkd.readyWorkers();
                assertTrue(workers.containsValue(pidA), "pid " + pidA + " is a worker: " + workers);
                assertTrue(workers.containsValue(pidB), "pid " + pidB + " is a worker: " + workers);
                assertNotEquals(pidA, pidB, "prefork: one connection per worker");

                // mistakes only get an answer
                assertEquals("error: exit needs a code from 0 to 255, not '300'", ask(a, "exit 300"));
                assertEquals("error: crash takes no argument, not 'please'", ask(a, "crash please"));
                assertTrue(ask(a, "explode").startsWith("error: unknown command 'explode' (pid, crash, exit N, hang, oom"));
                assertEquals("{\"type\":\"pong\"}", ask(a, "{\"type\":\"ping\"}"), "the worker answers the seed's heartbeat itself");
                assertEquals("slept 10", ask(a, "sleep 10"));
                assertEquals(Long.toString(pidA), ask(a, "pid"), "still the same worker");

                a.send("crash\n");
                assertTrue(a.endsWithin(Duration.ofSeconds(20)), "the crashed worker's client sees its connection end");
                assertEquals("still here", ask(b, "echo still here"), "the other client keeps working");

                int idA = idOf(workers, pidA);
                forkd.awaitLine("\\[worker " + idA + " pid " + pidA + "\\] chaos: connection \\d+ from 127\\.0\\.0\\.1:" + a.localPort()
                        + " asked for a crash", Duration.ofSeconds(20));
                forkd.awaitLine("worker " + idA + " \\(pid " + pidA + "\\) exited unexpectedly \\(exit code 1\\).*took down 1 client",
                        Duration.ofSeconds(20));
                long replacement = Long.parseLong(forkd.awaitLine("worker 3 \\(pid (\\d+)\\) ready", Duration.ofSeconds(60)).group(1));
                assertEquals("still here", ask(b, "echo still here"));
                try (Client c = new Client(port)) {
                    assertEquals(Long.toString(replacement), ask(c, "pid"), "b holds the other worker, so c gets the replacement");
                }
            }
        }
    }

    /**
     * A killed worker's connections close an instant before its listening socket does; a client
     * queued for that worker must not be sent to it in between (it would be reset, lost with a
     * worker it never used), but wait for the replacement. Found by `forkd experiment crash`: the
     * race lost the queued client in about 3 kills of 8, so a few rounds catch it.
     */
    @Test
    void aClientQueuedBehindAKilledWorkerIsServedByItsReplacement() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-kill-queued",
                with("--workers", "1", "--admin", "127.0.0.1:0", "--max-restarts", "100"))) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            for (int round = 1; round <= 6; round++) {
                JsonNode ready = admin.awaitStatus(s -> Admin.countReady(s) == 1, Duration.ofSeconds(60));
                try (Client a = new Client(port); Client b = new Client(port)) {
                    long pid = Long.parseLong(ask(a, "pid"));
                    b.send("pid\n");
                    admin.awaitStatus(s -> s.path("connections").path("queued").asLong() == 1, Duration.ofSeconds(10));
                    int id = ready.get("workers").get(0).get("id").asInt();
                    assertEquals(200, admin.post("/workers/" + id + "/kill?signal=KILL").statusCode());
                    assertTrue(a.endsWithin(Duration.ofSeconds(20)), "the killed worker's own client is cut off");
                    String reply = readLine(b.input());
                    assertNotEquals(Long.toString(pid), reply, "round " + round + ": the queued client is served by the replacement");
                }
            }
        }
    }

    /**
     * Issue 12: "took down N client connection(s)" was guessed from a 1-second window, and a client
     * that had half-closed (as `echo crash | forkd client` does) was not counted: one threaded
     * worker holding 3 connections, each having exchanged a message, crashed by one of them, was
     * logged as taking down 2. It is the supervisor's own record now: 3, every time.
     */
    @Test
    void aCrashCountsEveryConnectionItsWorkerHeldEveryTime() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-taken-down", with("--model", "threaded", "--workers", "1"))) {
            int port = forkd.port();
            for (int round = 1; round <= 3; round++) {
                long pid = Long.parseLong(forkd.awaitLine("worker " + round + " \\(pid (\\d+)\\) ready", Duration.ofSeconds(60)).group(1));
                try (Client a = new Client(port); Client b = new Client(port); Client c = new Client(port)) {
                    for (Client x : new Client[] {a, b, c}) {
                        assertEquals(Long.toString(pid), ask(x, "pid"), "round " + round + ": one worker holds all three");
                    }
                    a.send("crash\n");
                    a.shutdownOutput(); // said all it had to say; waits for an answer that never comes
                    for (Client x : new Client[] {a, b, c}) {
                        assertTrue(x.endsWithin(Duration.ofSeconds(20)), "round " + round + ": every connection of the crashed worker ends");
                    }
                    forkd.awaitLine("worker " + round + " \\(pid " + pid + "\\) exited unexpectedly \\(exit code 1\\) after \\S+ uptime; "
                            + "it took down 3 client connection\\(s\\)$", Duration.ofSeconds(20));
                }
            }
            assertEquals(0, forkd.countLines("took down [^3]"), forkd.output());
        }
    }

    /**
     * A prefork worker killed (-9) while its client waits for an answer, the client's request sent
     * and its side half-closed, took down that one client; before, the worker's end looked like an
     * ordinary close after the client's, and the log said 0. Then the same with the client's side
     * open: 1 again.
     */
    @Test
    void aKilledPreforkWorkerTookDownItsOneClientWhetherOrNotItHalfClosed() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-kill-mid-request",
                with("--workers", "1", "--admin", "127.0.0.1:0", "--max-restarts", "100"))) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            for (int round = 1; round <= 2; round++) {
                JsonNode ready = admin.awaitStatus(s -> Admin.countReady(s) == 1, Duration.ofSeconds(60));
                int id = ready.get("workers").get(0).get("id").asInt();
                try (Client a = new Client(port)) {
                    long pid = Long.parseLong(ask(a, "pid"));
                    a.send("sleep 60000\n");
                    if (round == 1) {
                        a.shutdownOutput();
                    }
                    assertEquals(200, admin.post("/workers/" + id + "/kill?signal=KILL").statusCode());
                    assertTrue(a.endsWithin(Duration.ofSeconds(20)), "the killed worker's client is cut off");
                    forkd.awaitLine("worker " + id + " \\(pid " + pid + "\\) exited unexpectedly \\(killed by signal KILL \\(9\\)\\).*"
                            + "it took down 1 client connection\\(s\\)$", Duration.ofSeconds(20));
                }
            }
        }
    }

    /**
     * Connections the worker closed itself (a line over --max-frame: an error, then the close) just
     * before a crash are not taken down by it: the soak counted 14 where 13 failed, and the old
     * 1-second window counted these 5 with the crash (6). A prefork worker proves it outlived each
     * close before its slot takes the next client, so the count is exact here: 1.
     */
    @Test
    void connectionsTheWorkerClosedItselfAreNotCountedWithItsCrash() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-own-closes", with("--workers", "1", "--max-frame", "64"))) {
            int port = forkd.port();
            String tooLong = "x".repeat(100) + "\n";
            for (int i = 0; i < 5; i++) {
                try (Client c = new Client(port)) {
                    c.send(tooLong);
                    assertTrue(readLine(c.input()).contains("line longer than the limit"), "a line over the limit gets an error");
                    assertTrue(c.endsWithin(Duration.ofSeconds(10)), "and the worker closes the connection");
                }
            }
            try (Client a = new Client(port)) {
                long pid = Long.parseLong(ask(a, "pid"));
                a.send("crash\n");
                assertTrue(a.endsWithin(Duration.ofSeconds(20)));
                forkd.awaitLine("worker 1 \\(pid " + pid + "\\) exited unexpectedly \\(exit code 1\\).*it took down 1 client connection\\(s\\)$",
                        Duration.ofSeconds(20));
            }
        }
    }

    /**
     * /status names each worker's clients (address:port) and the kill answer the ones it held when
     * the signal went: what `forkd experiment crash` judges a crash by (issue 12). Both clients of
     * the one threaded worker are listed, a client still unread in the supervisor is on no worker,
     * and the replacement holds nobody.
     */
    @Test
    void statusAndTheKillAnswerNameTheClientsAWorkerHolds() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-held-clients",
                with("--model", "threaded", "--workers", "1", "--admin", "127.0.0.1:0"))) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            JsonNode ready = admin.awaitStatus(s -> Admin.countReady(s) == 1, Duration.ofSeconds(60));
            int id = ready.get("workers").get(0).get("id").asInt();
            try (Client a = new Client(port); Client b = new Client(port); Client silent = new Client(port)) {
                ask(a, "pid");
                ask(b, "pid");
                java.util.Set<String> both = java.util.Set.of("127.0.0.1:" + a.localPort(), "127.0.0.1:" + b.localPort());
                JsonNode status = admin.status();
                java.util.Set<String> listed = new java.util.HashSet<>();
                status.get("workers").get(0).get("clients").forEach(c -> listed.add(c.asText()));
                assertEquals(both, listed, "the worker's relayed clients; the silent one has no worker until its first bytes: " + status);
                assertEquals(2, status.get("workers").get(0).get("activeConnections").asInt(), "the old field is still there");

                java.net.http.HttpResponse<String> kill = admin.post("/workers/" + id + "/kill?signal=KILL");
                assertEquals(200, kill.statusCode(), kill.body());
                JsonNode answer = new com.fasterxml.jackson.databind.ObjectMapper().readTree(kill.body());
                assertEquals("KILL", answer.get("signal").asText());
                java.util.Set<String> held = new java.util.HashSet<>();
                answer.get("clients").forEach(c -> held.add(c.asText()));
                assertEquals(both, held, "the clients it held when the signal went: " + kill.body());
                assertTrue(a.endsWithin(Duration.ofSeconds(20)) && b.endsWithin(Duration.ofSeconds(20)), "both went with it");
            }
            // the silent client, closed just above, may still be on its way through (its end of input
            // is relayed to a worker like any first event): wait until every client is gone
            JsonNode after = admin.awaitStatus(s -> Admin.countReady(s) == 1 && s.get("workers").get(0).get("id").asInt() != id
                    && s.get("connections").get("active").asInt() == 0, Duration.ofSeconds(60));
            assertEquals(0, after.get("workers").get(0).get("clients").size(), "the replacement holds nobody: " + after);
        }
    }

    @Test
    void oomIsLoggedAsOutOfMemoryAndReplaced() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-oom", with("--workers", "1"));
                Client a = new Client(forkd.port())) {
            long pid = Long.parseLong(ask(a, "pid"));
            a.send("oom\n");
            assertTrue(a.endsWithin(Duration.ofSeconds(30)), "the connection ends with the worker");
            forkd.awaitLine("worker 1 \\(pid " + pid + "\\) ran out of memory \\(OutOfMemoryError, exit code 3\\)", Duration.ofSeconds(30));
            assertReplacedBy(forkd, 2, Duration.ofSeconds(60));
            assertTrue(forkd.process.isAlive(), "an OOM after ready is a crash to replace, not a boot failure");
        }
    }

    @Test
    void exitCodeIsLoggedAndTheWorkerReplaced() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-exit", with("--workers", "1"));
                Client a = new Client(forkd.port())) {
            long pid = Long.parseLong(ask(a, "pid"));
            a.send("exit 7\n");
            assertTrue(a.endsWithin(Duration.ofSeconds(20)));
            forkd.awaitLine("worker 1 \\(pid " + pid + "\\) exited unexpectedly \\(exit code 7\\)", Duration.ofSeconds(20));
            assertReplacedBy(forkd, 2, Duration.ofSeconds(60));
        }
    }

    @Test
    void hangStopsTheHeartbeatAndTheWorkerIsKilledAndReplaced() throws Exception {
        Duration workerTimeout = Duration.ofSeconds(1);
        try (ForkdProcess forkd = ForkdProcess.serve("chaos-hang",
                with("--workers", "2", "--worker-heartbeat", "200ms", "--worker-timeout", "1s"))) {
            int port = forkd.port();
            try (Client a = new Client(port); Client b = new Client(port)) {
                long pidA = Long.parseLong(ask(a, "pid"));
                long pidB = Long.parseLong(ask(b, "pid"));
                assertNotEquals(pidA, pidB);
                ProcessHandle hung = ProcessHandle.of(pidA).orElseThrow();
                int idA = idOf(forkd.readyWorkers(), pidA);

                long sent = System.nanoTime();
                a.send("hang\n");
                forkd.awaitLine("\\[worker " + idA + " pid " + pidA + "\\] chaos: .*asked for a hang", Duration.ofSeconds(10));
                assertTrue(a.silentFor(Duration.ofMillis(500)), "a stopped worker answers nothing");
                forkd.awaitLine("worker " + idA + " \\(pid " + pidA + "\\) timed out: no heartbeat answer for 1s; killing it",
                        workerTimeout.plus(Duration.ofSeconds(10)));
                forkd.awaitLine("worker " + idA + " \\(pid " + pidA + "\\) still running 3s after TERM; sending KILL",
                        KILL_GRACE.plus(Duration.ofSeconds(10)));
                forkd.awaitLine("worker " + idA + " \\(pid " + pidA + "\\) is gone \\(killed by signal KILL \\(9\\)\\); replacing it",
                        Duration.ofSeconds(10));
                awaitGone(hung, Duration.ofSeconds(10));
                assertTrue(a.endsWithin(Duration.ofSeconds(10)), "the hung worker's connection ends once it is killed");

                // worker-timeout + KILL_GRACE + a boot, with room for a slow machine
                Duration left = Duration.ofSeconds(20).minusNanos(System.nanoTime() - sent);
                long replacement = Long.parseLong(forkd.awaitLine("worker 3 \\(pid (\\d+)\\) ready", left).group(1));
                assertEquals("unaffected", ask(b, "echo unaffected"), "the other worker never stopped");
                try (Client c = new Client(port)) {
                    assertEquals(Long.toString(replacement), ask(c, "pid"));
                }
            }
            assertTrue(forkd.process.isAlive());
        }
    }

    private static String[] with(String... more) {
        String[] all = new String[CHAOS.length + more.length];
        System.arraycopy(CHAOS, 0, all, 0, CHAOS.length);
        System.arraycopy(more, 0, all, CHAOS.length, more.length);
        return all;
    }

    /** Sends one command line and returns the one-line reply, without its newline. */
    private static String ask(Client c, String command) throws IOException {
        return c.ask(command);
    }

    private static String readLine(InputStream in) throws IOException {
        return Client.readLine(in);
    }

    private static int idOf(Map<Integer, Long> workers, long pid) {
        Optional<Integer> id = workers.entrySet().stream().filter(e -> e.getValue() == pid).map(Map.Entry::getKey).findFirst();
        return id.orElseThrow(() -> new AssertionError("pid " + pid + " is not a ready worker: " + workers));
    }

    /** The replacement worker {@code id} becomes ready and serves a new client. */
    private static void assertReplacedBy(ForkdProcess forkd, int id, Duration within) throws Exception {
        long pid = Long.parseLong(forkd.awaitLine("worker " + id + " \\(pid (\\d+)\\) ready", within).group(1));
        try (Client c = new Client(forkd.port())) {
            assertEquals(Long.toString(pid), ask(c, "pid"));
            assertEquals("alive", ask(c, "echo alive"));
        }
    }

    private static void awaitGone(ProcessHandle p, Duration within) throws Exception {
        try {
            p.onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            fail("pid " + p.pid() + " still alive " + within + " after it was killed");
        }
        assertFalse(p.isAlive());
    }
}
