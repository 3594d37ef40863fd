package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operating forkd: recycling, rolling restart, scaling, hung workers, fork-per-connection, /status and /metrics. */
class LifecycleIT {

    @Test
    void recyclingUnderLoadResetsNoClient() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("recycle", "--workers", "4", "--recycle-after", "3", "--recycle-jitter", "2",
                // a loaded machine boots JVMs slowly; what is tested is that recycling resets no one, not boot speed
                "--queue-timeout", "120s")) {
            int port = forkd.port();
            long started = System.nanoTime();
            try (Load load = new Load(port, 20)) {
                assertTrue(load.awaitMore(50, 60_000), "load runs: " + load.failures);
                long left = TimeUnit.SECONDS.toNanos(10) - (System.nanoTime() - started);
                if (left > 0) {
                    TimeUnit.NANOSECONDS.sleep(left); // the issue's duration of load, not a synchronisation
                }
                load.close();
                assertTrue(load.failures.isEmpty(), load.failures.size() + " failed: " + load.failures);
                assertTrue(load.ok.get() >= 50, "served " + load.ok.get());
            }
            forkd.awaitCount("exited after draining \\(recycle", 2, Duration.ofSeconds(30));
        }
    }

    @Test
    void hupReplacesEveryWorkerUnderLoadWithNoFailure() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("hup", "--workers", "3", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            Set<Long> before = pids(admin.status());
            assertEquals(3, before.size());
            try (Load load = new Load(port, 6)) {
                assertTrue(load.awaitMore(30, 30_000), "load runs: " + load.failures);
                forkd.signal("HUP");
                forkd.awaitLine("rolling restart complete", Duration.ofSeconds(60));
                assertTrue(load.awaitMore(30, 30_000), "load goes on after the restart: " + load.failures);
                load.close();
                assertTrue(load.failures.isEmpty(), load.failures.size() + " failed: " + load.failures);
            }
            JsonNode after = admin.awaitStatus(s -> Admin.countReady(s) == 3 && s.get("workers").size() == 3, Duration.ofSeconds(30));
            Set<Long> now = pids(after);
            now.retainAll(before);
            assertTrue(now.isEmpty(), "every worker pid changed; still there: " + now);
        }
    }

    /** A handler whose class, loaded at a worker's boot, holds the boot while the file named by -Dforkd.test.hold exists. */
    static final String HELD_AT_BOOT = "package com.example;\n"
            + "import dev.forkd.api.*; import java.nio.ByteBuffer; import java.nio.file.*;\n"
            + "public class HeldAtBoot implements Handler {\n"
            + "  static {\n"
            + "    Path hold = Path.of(System.getProperty(\"forkd.test.hold\"));\n"
            + "    if (Files.exists(hold)) {\n"
            + "      System.err.println(\"boot held while \" + hold + \" exists\");\n"
            + "      while (Files.exists(hold)) {\n"
            + "        try { Thread.sleep(20); } catch (InterruptedException e) { throw new IllegalStateException(e); }\n"
            + "      }\n"
            + "    }\n"
            + "  }\n"
            + "  public void onMessage(Connection c, ByteBuffer m) throws Exception {\n"
            + "    c.reply(m);\n"
            + "  }\n"
            + "}\n";

    /**
     * A HUP while a crashed worker's replacement boots: that replacement was launched before the
     * HUP, so it runs the old code and must be replaced too, once ready (gunicorn replaces every
     * worker older than the HUP). Its boot is held until the HUP has been taken, so the race is
     * the same on any machine.
     */
    @Test
    void hupWhileAReplacementBootsReplacesThatWorkerToo(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.HeldAtBoot", HELD_AT_BOOT);
        Path hold = tmp.resolve("hold");
        try (ForkdProcess forkd = ForkdProcess.serve("hup-while-booting", "--workers", "2", "--admin", "127.0.0.1:0",
                "--log-level", "DEBUG", "--handler", "com.example.HeldAtBoot", "--worker-classpath", jar.toString(),
                "--worker-jvm-opt", "-Dforkd.test.hold=" + hold)) {
            forkd.port();
            Admin admin = new Admin(forkd);
            Files.createFile(hold);
            assertTrue(ProcessHandle.of(forkd.readyWorkers().get(2)).orElseThrow().destroyForcibly());
            // worker 3 replaces it, and waits in its boot
            forkd.awaitLine("\\[worker 3 pid \\d+\\] .*boot held while", Duration.ofSeconds(60));
            forkd.signal("HUP");
            forkd.awaitLine("rolling restart of", Duration.ofSeconds(30));
            Files.delete(hold);
            forkd.awaitLine("rolling restart complete", Duration.ofSeconds(120));
            JsonNode after = admin.awaitStatus(s -> Admin.countReady(s) == 2 && s.get("workers").size() == 2, Duration.ofSeconds(30));

            // ids grow with each launch: every worker in service must come after the last one launched before the HUP
            List<String> lines = forkd.linesSoFar();
            int lastBefore = 0;
            for (String l : lines) {
                if (l.contains("received SIGHUP")) {
                    break;
                }
                Matcher m = Pattern.compile("started worker (\\d+) ").matcher(l);
                if (m.find()) {
                    lastBefore = Math.max(lastBefore, Integer.parseInt(m.group(1)));
                }
            }
            assertEquals(3, lastBefore, "workers 1 and 2, and 3 that replaced 2, were launched before the HUP");
            List<Integer> serving = new ArrayList<>();
            after.get("workers").forEach(w -> serving.add(w.get("id").asInt()));
            assertTrue(serving.stream().allMatch(id -> id > 3), "every worker in service was launched after the HUP: " + serving);
            forkd.awaitLine("rolling restart of 2 worker\\(s\\) \\(1 still booting: replaced once ready\\)", Duration.ofSeconds(5));
        }
    }

    @Test
    void ttinAndTtouChangeTheWorkerCount() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("ttin-ttou", "--workers", "2", "--admin", "127.0.0.1:0")) {
            forkd.port();
            Admin admin = new Admin(forkd);
            forkd.signal("TTIN");
            admin.awaitStatus(s -> s.get("targetWorkers").asInt() == 3 && Admin.countReady(s) == 3, Duration.ofSeconds(30));
            forkd.signal("TTOU");
            forkd.signal("TTOU");
            JsonNode s = admin.awaitStatus(st -> st.get("targetWorkers").asInt() == 1 && st.get("workers").size() == 1, Duration.ofSeconds(30));
            assertEquals(1, Admin.countReady(s));
            assertEquals(200, admin.post("/workers/scale?delta=2").statusCode());
            admin.awaitStatus(st -> Admin.countReady(st) == 3, Duration.ofSeconds(30));
        }
    }

    @Test
    void statusAndMetricsDescribeTheSupervisor() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("status-metrics", "--workers", "2", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            JsonNode s = admin.status();
            assertEquals(forkd.process.pid(), s.get("pid").asLong());
            assertEquals("prefork", s.get("model").asText());
            assertEquals("127.0.0.1:" + port, s.get("listen").asText());
            assertTrue(s.get("uptimeSeconds").isNumber());
            assertEquals(2, s.get("workers").size());
            for (JsonNode w : s.get("workers")) {
                for (String field : List.of("id", "pid", "state", "activeConnections", "connectionsServed", "restarts", "startedAt")) {
                    assertTrue(w.has(field), "worker has " + field + ": " + w);
                }
            }

            Map<String, Double> m0 = PromText.parse(admin.get("/metrics").body());
            try (Client c = new Client(port)) {
                assertEquals("HELLO METRICS\n", c.roundTrip("hello metrics\n"));
                Map<String, Double> during = PromText.parse(admin.get("/metrics").body());
                assertEquals(1.0, during.get("forkd_connections_active"));
            }
            long pid = forkd.readyWorkers().values().iterator().next();
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            admin.awaitStatus(st -> st.get("restarts").asInt() == 1 && Admin.countReady(st) == 2, Duration.ofSeconds(30));
            Map<String, Double> m1 = PromText.parse(admin.get("/metrics").body());
            assertEquals(m0.get("forkd_connections_accepted_total") + 1, m1.get("forkd_connections_accepted_total"));
            assertTrue(m1.get("forkd_bytes_in_total") >= m0.get("forkd_bytes_in_total") + 14);
            assertTrue(m1.get("forkd_bytes_out_total") >= m0.get("forkd_bytes_out_total") + 14);
            assertEquals(m0.get("forkd_worker_restarts_total{reason=\"crash\"}") + 1, m1.get("forkd_worker_restarts_total{reason=\"crash\"}"));
            assertEquals(3.0, m1.get("forkd_worker_spawn_to_ready_seconds_count"));
            assertTrue(m1.containsKey("forkd_queue_wait_seconds_count"));
            assertEquals(2.0, m1.get("forkd_workers{state=\"ready\"}"));

            assertEquals(405, admin.get("/workers/reload").statusCode());
            assertEquals(404, admin.get("/nothing").statusCode());
            assertEquals(400, admin.post("/workers/scale").statusCode());
            assertEquals(404, admin.post("/workers/999/kill").statusCode());
        }
    }

    /**
     * Issue 12: after a reload of 5 workers `forkd status` said 0 restarts, each row 1, and /metrics
     * 5 recycles. One record by reason now, shown alike in /status, each worker row, the status
     * table and /metrics: a reload of 3, a scale-down by one, a crash.
     */
    @Test
    void restartsAreCountedByReasonAndShownAlikeEverywhere() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("restart-counts", "--workers", "3", "--admin", "127.0.0.1:0")) {
            forkd.port();
            Admin admin = new Admin(forkd);
            assertEquals(202, admin.post("/workers/reload").statusCode());
            forkd.awaitLine("rolling restart complete", Duration.ofSeconds(120));
            JsonNode s = admin.awaitStatus(st -> st.get("restarts").asInt() == 3 && Admin.countReady(st) == 3, Duration.ofSeconds(30));
            assertRestarts(s, Map.of("reload", 3));
            for (JsonNode w : s.get("workers")) {
                assertRestarts(w, Map.of("reload", 1));
            }
            assertMetrics(admin, Map.of("reload", 3));
            List<String> table = statusTable(admin);
            assertTrue(table.get(1).contains("worker restarts: 3 (reload 3);"), String.join("\n", table));
            assertEquals(3, table.stream().filter(l -> l.endsWith("  1 (reload 1)")).count(), String.join("\n", table));

            // a scale-down stops one worker (counted under scale), then one of the two left crashes
            assertEquals(200, admin.post("/workers/scale?delta=-1").statusCode());
            s = admin.awaitStatus(st -> st.get("restarts").asInt() == 4 && st.get("workers").size() == 2, Duration.ofSeconds(30));
            JsonNode victim = s.get("workers").get(0);
            ProcessHandle.of(victim.get("pid").asLong()).orElseThrow().destroyForcibly();
            s = admin.awaitStatus(st -> st.get("restarts").asInt() == 5 && Admin.countReady(st) == 2, Duration.ofSeconds(60));
            assertRestarts(s, Map.of("reload", 3, "scale", 1, "crash", 1));
            for (JsonNode w : s.get("workers")) {
                assertRestarts(w, w.get("slot").asInt() == victim.get("slot").asInt() ? Map.of("reload", 1, "crash", 1) : Map.of("reload", 1));
            }
            assertMetrics(admin, Map.of("reload", 3, "scale", 1, "crash", 1));
            table = statusTable(admin);
            assertTrue(table.get(1).contains("worker restarts: 5 (crash 1, reload 3, scale 1);"), String.join("\n", table));
            assertEquals(1, table.stream().filter(l -> l.endsWith("  2 (crash 1, reload 1)")).count(), String.join("\n", table));
            assertEquals(1, table.stream().filter(l -> l.endsWith("  1 (reload 1)")).count(), String.join("\n", table));
        }
    }

    /** {@code restarts} is the total, {@code restartsByReason} has every reason, those not given 0. */
    private static void assertRestarts(JsonNode node, Map<String, Integer> expected) {
        int total = expected.values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(total, node.get("restarts").asInt(), node.toPrettyString());
        for (String reason : REASONS) {
            assertEquals(expected.getOrDefault(reason, 0), node.get("restartsByReason").get(reason).asInt(), reason + " in " + node);
        }
    }

    private static void assertMetrics(Admin admin, Map<String, Integer> expected) throws Exception {
        Map<String, Double> m = PromText.parse(admin.get("/metrics").body());
        for (String reason : REASONS) {
            assertEquals(expected.getOrDefault(reason, 0).doubleValue(), m.get("forkd_worker_restarts_total{reason=\"" + reason + "\"}"),
                    reason + " in /metrics");
        }
    }

    private static final List<String> REASONS = List.of("crash", "hang", "recycle", "reload", "scale", "socket", "boot_failure");

    /** `forkd status`'s table, as a user sees it. */
    private static List<String> statusTable(Admin admin) throws Exception {
        try (CommandProcess p = CommandProcess.start("restart-counts-status", "status", "--admin", "127.0.0.1:" + admin.port())) {
            assertEquals(0, p.awaitExit(Duration.ofSeconds(30)), p.stderr());
            return List.of(p.stdout().split("\n"));
        }
    }

    @Test
    void aStoppedWorkerIsKilledAndReplaced() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("sigstop", "--workers", "2", "--worker-heartbeat", "200ms", "--worker-timeout", "1s")) {
            forkd.port();
            Map.Entry<Integer, Long> victim = forkd.readyWorkers().entrySet().iterator().next();
            ProcessHandle handle = ProcessHandle.of(victim.getValue()).orElseThrow();
            Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(victim.getValue())).inheritIO().start();
            assertEquals(0, stop.waitFor());
            forkd.awaitLine("worker " + victim.getKey() + " \\(pid " + victim.getValue() + "\\) timed out", Duration.ofSeconds(10));
            // worker-timeout 1s + TERM→KILL grace 3s, with room for a loaded machine
            handle.onExit().get(15, TimeUnit.SECONDS);
            forkd.awaitLine("worker 3 \\(pid \\d+\\) ready", Duration.ofSeconds(60));
        }
    }

    @Test
    void forkPerConnectionGivesEveryClientAFreshWorker() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("fork-per-connection", "--model", "fork-per-connection", "--workers", "2",
                "--spares", "3", "--log-level", "DEBUG")) {
            int port = forkd.port();
            Set<Integer> initial = new HashSet<>(forkd.readyWorkers().keySet());
            assertEquals(3, initial.size(), "the spares are ready before forkd listens");
            List<Integer> served = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                try (Client c = new Client(port)) {
                    assertEquals("CLIENT " + i + "\n", c.roundTrip("client " + i + "\n"));
                    served.add(workerServing(forkd, c));
                }
            }
            assertEquals(20, new HashSet<>(served).size(), "20 clients, 20 different workers: " + served);
            assertTrue(initial.contains(served.get(0)), "the first client got a warm spare, not a fresh boot");

            // a crash in one connection does not touch another
            try (Client a = new Client(port); Client b = new Client(port)) {
                assertEquals("A\n", a.roundTrip("a\n"));
                assertEquals("B\n", b.roundTrip("b\n"));
                int workerOfA = workerServing(forkd, a);
                Matcher pid = forkd.awaitLine("worker " + workerOfA + " \\(pid (\\d+)\\) ready", Duration.ofSeconds(5));
                ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow().destroyForcibly();
                assertTrue(a.endsWithin(Duration.ofSeconds(20)));
                assertEquals("B AGAIN\n", b.roundTrip("b again\n"));
            }
            assertFalse(forkd.output().contains("timed out"), forkd.output());
        }
    }

    private static Set<Long> pids(JsonNode status) {
        Set<Long> pids = new HashSet<>();
        for (JsonNode w : status.get("workers")) {
            pids.add(w.get("pid").asLong());
        }
        return pids;
    }

    private static int workerServing(ForkdProcess forkd, Client c) throws InterruptedException {
        Matcher m = forkd.awaitLine("connection \\d+ from 127\\.0\\.0\\.1:" + c.localPort() + " -> worker (\\d+)", Duration.ofSeconds(10));
        return Integer.parseInt(m.group(1));
    }
}
