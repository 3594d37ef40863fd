package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --model evented} with real processes: one worker's event loop holds hundreds of clients
 * at once, and what clients see is what the other models show them (replies, errors, crashes
 * that cost only the crashed worker's connections, graceful stops); a handler that blocks the
 * loop is named in the log with its stack.
 */
class EventedIT {
    private static final int CLIENTS = 200;
    private static final String[] CHAOS = {"--model", "evented", "--handler", "chaos", "--enable-chaos", "--framing", "line"};

    @Test
    void twoHundredClientsOnOneWorkerUpperInLineFraming() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("evented-200-line", "--model", "evented", "--workers", "1",
                "--handler", "upper", "--framing", "line", "--admin", "127.0.0.1:0")) {
            manyClientsOnOneWorker(forkd, (c, i, round) -> {
                String text = "client " + i + " round " + round;
                c.send(text + "\n");
                assertEquals(text.toUpperCase(), c.readLine());
            });
        }
    }

    @Test
    void twoHundredClientsOnOneWorkerEchoInLengthFraming() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("evented-200-length", "--model", "evented", "--workers", "1",
                "--handler", "echo", "--framing", "length", "--admin", "127.0.0.1:0")) {
            manyClientsOnOneWorker(forkd, (c, i, round) -> {
                byte[] payload = ("client " + i + " round " + round + " " + "x".repeat(i)).getBytes(StandardCharsets.UTF_8);
                c.send(ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array());
                int n = ByteBuffer.wrap(c.read(4)).getInt();
                assertEquals(payload.length, n);
                assertEquals(new String(payload, StandardCharsets.UTF_8), c.readString(n));
            });
        }
    }

    private interface Exchange {
        void run(Client c, int index, int round) throws IOException;
    }

    /** Every client open at once, each answered in turn, three rounds; the one worker holds them all. */
    private static void manyClientsOnOneWorker(ForkdProcess forkd, Exchange exchange) throws Exception {
        Admin admin = new Admin(forkd);
        List<Client> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(new Client(forkd.port()));
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < CLIENTS; i++) {
                    exchange.run(clients.get(i), i, round);
                }
                if (round == 0) {
                    JsonNode s = admin.awaitStatus(st -> st.get("workers").size() == 1
                            && st.get("workers").get(0).get("activeConnections").asInt() == CLIENTS, Duration.ofSeconds(20));
                    assertEquals(1, s.get("workers").size(), s.toString());
                }
            }
        } finally {
            for (Client c : clients) {
                c.close();
            }
        }
        assertEquals(0, forkd.countLines("WARN.*worker 1 "), "no warning from the worker: " + forkd.output());
    }

    @Test
    void badInputClosesOnlyThatConnection() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("evented-bad-input", "--model", "evented", "--workers", "1",
                "--handler", "upper", "--framing", "line", "--max-frame", "64")) {
            List<Client> good = new ArrayList<>();
            try (Client tooLong = new Client(forkd.port()); Client badPing = new Client(forkd.port())) {
                for (int i = 0; i < 10; i++) {
                    Client c = new Client(forkd.port());
                    good.add(c);
                    assertEquals("HELLO " + i, c.ask("hello " + i));
                }
                tooLong.send("x".repeat(100) + "\n");
                assertTrue(tooLong.readLine().contains("line longer than the limit"), "an error for the line over the limit");
                assertTrue(tooLong.endsWithin(Duration.ofSeconds(10)), "then the close");
                badPing.send("{\"type\":\"ping\"\n");
                assertTrue(badPing.readLine().contains("\"type\":\"error\""), "an error for a ping that is not JSON");
                assertTrue(badPing.endsWithin(Duration.ofSeconds(10)));
                for (int i = 0; i < good.size(); i++) {
                    assertEquals("STILL HERE " + i, good.get(i).ask("still here " + i), "the others carry on");
                    assertEquals("{\"type\":\"pong\"}", good.get(i).ask("{\"type\":\"ping\"}"));
                }
            } finally {
                for (Client c : good) {
                    c.close();
                }
            }
            assertEquals(0, forkd.countLines("exited unexpectedly"), forkd.output());
        }
    }

    /** kill -9 of one evented worker: exactly its connections end, the other worker's carry on, a replacement serves. */
    @Test
    void aKilledWorkerTakesOnlyItsConnectionsAndIsReplaced() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("evented-kill", with("--workers", "2", "--admin", "127.0.0.1:0"))) {
            Admin admin = new Admin(forkd);
            admin.awaitStatus(s -> Admin.countReady(s) == 2, Duration.ofSeconds(60));
            Map<Long, List<Client>> byPid = new HashMap<>();
            List<Client> all = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    Client c = new Client(forkd.port());
                    all.add(c);
                    byPid.computeIfAbsent(Long.parseLong(c.ask("pid")), k -> new ArrayList<>()).add(c);
                }
                assertEquals(2, byPid.size(), "both workers hold clients: " + byPid.keySet());
                List<Long> pids = new ArrayList<>(byPid.keySet());
                long victim = pids.get(0);
                long survivor = pids.get(1);
                int victimId = idOf(forkd.readyWorkers(), victim);
                assertEquals(200, admin.post("/workers/" + victimId + "/kill?signal=KILL").statusCode());
                for (Client c : byPid.get(victim)) {
                    assertTrue(c.endsWithin(Duration.ofSeconds(20)), "every connection of the killed worker ends");
                }
                for (Client c : byPid.get(survivor)) {
                    assertEquals(Long.toString(survivor), c.ask("pid"), "the other worker's connections carry on");
                }
                forkd.awaitLine("worker " + victimId + " \\(pid " + victim + "\\) exited unexpectedly \\(killed by signal KILL \\(9\\)\\).*"
                        + "it took down " + byPid.get(victim).size() + " client connection\\(s\\)$", Duration.ofSeconds(20));
                admin.awaitStatus(s -> Admin.countReady(s) == 2, Duration.ofSeconds(60));
                try (Client fresh = new Client(forkd.port())) {
                    String pid = fresh.ask("pid");
                    assertNotEquals(Long.toString(victim), pid, "a new client is served, not by the dead worker");
                }
            } finally {
                for (Client c : all) {
                    c.close();
                }
            }
        }
    }

    /** A handler that sleeps on the loop: the watchdog logs the loop thread's stack, naming the handler; the others wait, then are served. */
    @Test
    void aBlockingHandlerIsLoggedWithItsStack() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("evented-blocked", with("--workers", "1"))) {
            try (Client sleeper = new Client(forkd.port()); Client other = new Client(forkd.port())) {
                String pid = other.ask("pid");
                sleeper.send("sleep 700\n");
                forkd.awaitLine("event loop blocked: onMessage has run for \\d+ ms; every other connection of this worker waits",
                        Duration.ofSeconds(20));
                forkd.awaitLine("\tat \\S*dev\\.forkd\\.worker\\.handlers\\.ChaosHandler\\.sleep\\(", Duration.ofSeconds(20));
                assertEquals("still served", other.ask("echo still served"));
                assertEquals("slept 700", sleeper.readLine());
                assertEquals(pid, sleeper.ask("pid"));
                forkd.awaitLine("event loop: onMessage returned after \\d+ ms", Duration.ofSeconds(20));
            }
        }
    }

    /** TERM: no new connections; a live one finishes its conversation; then the worker and forkd exit 0. */
    @Test
    void gracefulStopFinishesLiveConnections() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("evented-graceful", "--model", "evented", "--workers", "1",
                "--handler", "upper", "--framing", "line", "--graceful-timeout", "60s")) {
            try (Client a = new Client(forkd.port()); Client b = new Client(forkd.port())) {
                assertEquals("A", a.ask("a"));
                assertEquals("B", b.ask("b"));
                forkd.signal("TERM");
                forkd.awaitLine("stopping gracefully: no new connections; waiting up to 1m for 2 live", Duration.ofSeconds(30));
                assertEquals("STILL A", a.ask("still a"), "a live connection is still served after TERM");
                a.close();
                assertEquals("STILL B", b.ask("still b"));
            }
            forkd.awaitLine("stopped \\(exit code 0\\)", Duration.ofSeconds(30));
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
            assertEquals(0, forkd.countLines("killed|exited unexpectedly"), forkd.output());
        }
    }

    /**
     * HUP under load: every evented worker is drained (it takes what was already sent to it, closes
     * its listener, finishes its live connections) and replaced; no client fails, and a connection
     * held open across the reload is still served by its old worker until it closes.
     */
    @Test
    void aRollingRestartUnderLoadFailsNoClient() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("evented-hup", "--model", "evented", "--workers", "2", "--admin", "127.0.0.1:0")) {
            Admin admin = new Admin(forkd);
            admin.awaitStatus(s -> Admin.countReady(s) == 2, Duration.ofSeconds(60));
            try (Client held = new Client(forkd.port()); Load load = new Load(forkd.port(), 6)) {
                assertEquals("BEFORE\n", held.roundTrip("before\n"));
                assertTrue(load.awaitMore(30, 30_000), "load runs: " + load.failures);
                forkd.signal("HUP");
                forkd.awaitLine("rolling restart of 2 worker\\(s\\)", Duration.ofSeconds(30));
                assertTrue(load.awaitMore(30, 60_000), "load goes on during and after the restart: " + load.failures);
                assertEquals("DURING\n", held.roundTrip("during\n"), "a live connection is finished, not cut, by its worker's drain");
                held.close();
                forkd.awaitLine("rolling restart complete", Duration.ofSeconds(60));
                load.close();
                assertTrue(load.failures.isEmpty(), load.failures.size() + " failed: " + load.failures);
            }
            assertEquals(0, forkd.countLines("exited unexpectedly|killed"), forkd.output());
        }
    }

    private static String[] with(String... more) {
        String[] all = new String[CHAOS.length + more.length];
        System.arraycopy(CHAOS, 0, all, 0, CHAOS.length);
        System.arraycopy(more, 0, all, CHAOS.length, more.length);
        return all;
    }

    private static int idOf(Map<Integer, Long> workers, long pid) {
        return workers.entrySet().stream().filter(e -> e.getValue() == pid).map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new AssertionError("pid " + pid + " is not a ready worker: " + workers));
    }
}
