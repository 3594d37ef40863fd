package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.HealthState;
import com.github.dockerjava.api.command.HealthStateLog;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HealthCheck;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;

/**
 * forkd's container image ({@code scripts/docker/Dockerfile}, built here from target/forkd.jar on
 * {@code $FORKD_BASE_IMAGE}) run with Testcontainers on the host's network: the ports are free
 * loopback ports picked here, and every byte stays on this machine.
 *
 * <p>Without a Docker engine these tests are skipped; {@code FORKD_REQUIRE_DOCKER=1} (as in CI)
 * makes that a failure. scripts/ci/docker-up.sh provides an engine and a base image.
 */
class ForkdDockerIT {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);
    private static final String DEFAULT_BASE = "eclipse-temurin:17-jre";
    /** The admin address the image's CMD and HEALTHCHECK use. */
    private static final String IMAGE_ADMIN = "127.0.0.1:9901";

    private static boolean required;
    /** Why the tests are skipped; null when an engine and the base image are there. */
    private static String skipReason;
    private static String baseImage;
    private static ImageFromDockerfile image;
    private static String imageName;
    private static DockerClient docker;

    @BeforeAll
    static void buildImage() throws Exception {
        required = "1".equals(System.getenv("FORKD_REQUIRE_DOCKER"));
        String env = System.getenv("FORKD_BASE_IMAGE");
        baseImage = env == null || env.isBlank() ? DEFAULT_BASE : env.trim();

        if (!DockerClientFactory.instance().isDockerAvailable()) {
            requireOrSkip("no Docker engine answers (Testcontainers found none; its log says where it looked)."
                    + " Start one (as root: scripts/ci/docker-up.sh)");
            return;
        }
        docker = DockerClientFactory.instance().client();
        if (!baseImageAvailable()) {
            requireOrSkip("the base image " + baseImage + " is not on the Docker engine and cannot be pulled. Set FORKD_BASE_IMAGE"
                    + " to a local image with Java 17+ (scripts/ci/docker-up.sh builds forkd-base:local)");
            return;
        }

        Path jar = ForkdProcess.jar();
        Path dockerfile = Path.of(System.getProperty("forkd.dockerfile", "../scripts/docker/Dockerfile")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": run `mvn package` first");
        assertTrue(Files.isRegularFile(dockerfile), "no " + dockerfile);
        // the build context is the Dockerfile and the jar, as scripts/docker/build-image.sh makes it
        imageName = "forkd-it:" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        // removed in @AfterAll: with Ryuk disabled (as in CI) nothing else would
        image = new ImageFromDockerfile(imageName, false)
                .withFileFromPath("Dockerfile", dockerfile)
                .withFileFromPath("forkd.jar", jar)
                .withBuildArg("BASE_IMAGE", baseImage)
                // there is no bridge network on an engine started by docker-up.sh
                .withBuildImageCmdModifier(cmd -> cmd.withNetworkMode("host"));
        long t0 = System.nanoTime();
        image.get(5, TimeUnit.MINUTES);
        System.err.printf("[ForkdDockerIT] built %s on %s in %d ms%n", imageName, baseImage, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @AfterAll
    static void removeImage() {
        if (docker != null && image != null && image.isDone()) {
            try {
                docker.removeImageCmd(imageName).withForce(true).exec();
            } catch (NotFoundException e) {
                // already gone
            }
        }
    }

    /** Without Docker the tests are skipped, one by one so that each report says why; in CI that is a failure. */
    private static void requireOrSkip(String reason) {
        if (required) {
            fail("FORKD_REQUIRE_DOCKER=1, but " + reason);
        }
        skipReason = "Docker tests skipped: " + reason + "; FORKD_REQUIRE_DOCKER=1 makes this a failure";
        System.err.println("[ForkdDockerIT] " + skipReason);
    }

    @BeforeEach
    void dockerOrSkip() {
        Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    }

    private static boolean baseImageAvailable() {
        try {
            docker.inspectImageCmd(baseImage).exec();
            return true;
        } catch (NotFoundException e) {
            // not local: try the registry once
        }
        DockerImageName name = DockerImageName.parse(baseImage);
        try {
            docker.pullImageCmd(name.getUnversionedPart()).withTag(name.getVersionPart()).start().awaitCompletion(5, TimeUnit.MINUTES);
            docker.inspectImageCmd(baseImage).exec();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (RuntimeException e) {
            System.err.println("[ForkdDockerIT] cannot pull " + baseImage + ": " + e.getMessage());
            return false;
        }
    }

    @Test
    void echoesThroughTheContainerAsAnUnprivilegedPid1AndTurnsHealthy(TestInfo info) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        String admin = "127.0.0.1:" + adminPort;
        // the image's own HEALTHCHECK command, pointed at this test's admin port, checked every second
        List<String> command = new ArrayList<>(docker.inspectImageCmd(image.get()).exec().getConfig().getHealthcheck().getTest());
        assertTrue(command.contains(IMAGE_ADMIN), "the image's healthcheck asks " + IMAGE_ADMIN + ": " + command);
        command.replaceAll(s -> s.equals(IMAGE_ADMIN) ? admin : s);
        HealthCheck check = new HealthCheck().withTest(command).withInterval(seconds(1)).withTimeout(seconds(20))
                .withStartPeriod(seconds(60)).withRetries(3);

        try (ContainerLog log = new ContainerLog("docker-" + info.getTestMethod().orElseThrow().getName());
                GenericContainer<?> forkd = forkd(log, check, "--port", Integer.toString(port), "--admin", admin, "--workers", "2")) {
            forkd.start();
            try (Client c = new Client(port)) {
                assertEquals("HELLO, FORKD\n", c.roundTrip("hello, forkd\n"));
                assertEquals("üBER ALLES\n", c.roundTrip("über alles\n"), "ASCII letters only, UTF-8 bytes unchanged");
                assertEquals("AGAIN\n", c.roundTrip("again\n"));
            }
            Admin a = admin(log, adminPort);
            JsonNode status = a.status();
            assertEquals(1, status.get("pid").asLong(), "forkd is PID 1 in its container: " + status);
            assertEquals(2, Admin.countReady(status));
            ExecResult id = forkd.execInContainer("id", "-u");
            assertEquals("10001", id.getStdout().trim(), "runs as the image's unprivileged user: " + id);
            // out of memory, the JVM exits (and Docker's restart policy sees it); its heap is bounded
            String cmdline = forkd.execInContainer("cat", "/proc/1/cmdline").getStdout().replace('\0', ' ');
            assertTrue(cmdline.startsWith("java -XX:+ExitOnOutOfMemoryError -Xmx256m -jar /opt/forkd/forkd.jar serve --port "),
                    cmdline);
            // reachable from outside the container: the image's FORKD_HOST is --host's default there
            log.awaitLine("listening on (0\\.0\\.0\\.0|\\[::\\]):" + port + " ", EVENT_TIMEOUT);

            HealthState health = awaitHealth(forkd.getContainerId(), "healthy");
            // the check is `forkd status` itself, which printed the table of this forkd
            HealthStateLog last = health.getLog().get(health.getLog().size() - 1);
            assertEquals(0L, last.getExitCodeLong(), last.getOutput());
            assertTrue(last.getOutput().contains("forkd pid 1, model prefork"), last.getOutput());
        }
    }

    @Test
    void killingOneWorkerInTheContainerEndsOnlyItsClient(TestInfo info) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        try (ContainerLog log = new ContainerLog("docker-" + info.getTestMethod().orElseThrow().getName());
                GenericContainer<?> forkd = forkd(log, null, "--port", Integer.toString(port), "--admin", "127.0.0.1:" + adminPort,
                        "--workers", "3", "--model", "prefork")) {
            forkd.start();
            Admin admin = admin(log, adminPort);
            admin.awaitStatus(s -> Admin.countReady(s) == 3, EVENT_TIMEOUT);

            List<Client> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Client c = new Client(port);
                    clients.add(c);
                    assertEquals("CLIENT " + i + "\n", c.roundTrip("client " + i + "\n"));
                }
                // prefork: one connection per worker, so each worker serves exactly one of them
                JsonNode before = admin.awaitStatus(s -> s.get("connections").get("active").asInt() == 3
                        && every(s, w -> w.get("activeConnections").asInt() == 1), EVENT_TIMEOUT);
                Set<Long> oldPids = pids(before);
                JsonNode victim = before.get("workers").get(0);
                long pid = victim.get("pid").asLong();
                int id = victim.get("id").asInt();

                // the pid in /status is the one in the container's PID namespace: kill it in there
                ExecResult kill = forkd.execInContainer("sh", "-c", "kill -9 " + pid);
                assertEquals(0, kill.getExitCode(), "kill -9 " + pid + " in the container: " + kill);
                log.awaitLine("worker " + id + " \\(pid " + pid + "\\) exited unexpectedly \\(killed by signal KILL \\(9\\)\\).*took down 1 client",
                        EVENT_TIMEOUT);

                int ended = 0;
                List<Client> alive = new ArrayList<>();
                for (int i = 0; i < clients.size(); i++) {
                    try {
                        assertEquals("AFTER " + i + "\n", clients.get(i).roundTrip("after " + i + "\n"));
                        alive.add(clients.get(i));
                    } catch (IOException e) {
                        ended++;
                    }
                }
                assertEquals(1, ended, "exactly one client (the killed worker's) sees its connection end");
                assertEquals(2, alive.size());

                JsonNode after = admin.awaitStatus(s -> Admin.countReady(s) == 3 && s.get("workers").size() == 3
                        && !pids(s).contains(pid), EVENT_TIMEOUT);
                Set<Long> newPids = pids(after);
                newPids.removeAll(oldPids);
                assertEquals(1, newPids.size(), "one replacement with a new pid: " + after.toPrettyString());
                for (Client c : alive) {
                    assertEquals("STILL HERE\n", c.roundTrip("still here\n"));
                }
                try (Client c = new Client(port)) {
                    assertEquals("NEW CLIENT\n", c.roundTrip("new client\n"));
                }

                // forkd, as PID 1, waited for its killed worker: no zombie is left in the container
                List<String> zombies = zombies(forkd);
                assertTrue(zombies.isEmpty(), "zombies in the container: " + zombies);
            } finally {
                for (Client c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void dockerStopLetsTheLiveConversationFinishAndExits0(TestInfo info) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        try (ContainerLog log = new ContainerLog("docker-" + info.getTestMethod().orElseThrow().getName());
                GenericContainer<?> forkd = forkd(log, null, "--port", Integer.toString(port), "--admin", "127.0.0.1:" + adminPort,
                        "--workers", "2")) {
            forkd.start();
            String id = forkd.getContainerId();
            CompletableFuture<Void> stop;
            try (Client c = new Client(port)) {
                assertEquals("BEFORE\n", c.roundTrip("before\n"));
                // docker stop: SIGTERM to PID 1, then SIGKILL after the timeout (far off here)
                stop = CompletableFuture.runAsync(() -> docker.stopContainerCmd(id).withTimeout(90).exec());
                log.awaitLine("stopping gracefully", EVENT_TIMEOUT);
                assertEquals("DURING SHUTDOWN\n", c.roundTrip("during shutdown\n"));
                assertEquals("AND MORE\n", c.roundTrip("and more\n"));
                assertFalse(stop.isDone(), "docker stop waits for the live conversation");
                assertTrue(state(id).getRunning(), "the container runs while a conversation is live");
            }
            stop.get(EVENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            InspectContainerResponse.ContainerState state = state(id);
            assertFalse(state.getRunning());
            assertEquals(0L, state.getExitCodeLong(), "exit code after docker stop; log:\n" + log.text());
            assertFalse(Boolean.TRUE.equals(state.getOOMKilled()));
            log.awaitLine("stopped \\(exit code 0\\)", EVENT_TIMEOUT);
        }
    }

    @Test
    void aWorkerThatKeepsCrashingMakesTheContainerExit70(TestInfo info) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        try (ContainerLog log = new ContainerLog("docker-" + info.getTestMethod().orElseThrow().getName());
                GenericContainer<?> forkd = forkd(log, null, "--port", Integer.toString(port), "--admin", "127.0.0.1:" + adminPort,
                        "--workers", "1", "--max-restarts", "1", "--restart-window", "60s")) {
            forkd.start();
            String id = forkd.getContainerId();
            Admin admin = admin(log, adminPort);
            // the kills need the token forkd wrote for its user inside the container, as `docker exec ... forkd reload` finds it
            admin.withToken(forkd.execInContainer("sh", "-c", "cat \"${TMPDIR:-/tmp}/forkd-admin-$(id -u)/admin-" + adminPort + ".token\"")
                    .getStdout().trim());
            long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
            int kills = 0;
            while (state(id).getRunning()) {
                assertTrue(System.nanoTime() < deadline, "still running after " + kills + " kills; log:\n" + log.text());
                assertTrue(kills < 5, "more than --max-restarts 1 restarts and still running; log:\n" + log.text());
                JsonNode worker;
                try {
                    worker = admin.status().get("workers").get(0);
                } catch (IOException e) {
                    // forkd is exiting and its admin endpoint is gone: the loop's condition says so
                    continue;
                }
                if (worker == null) {
                    continue; // between a worker's exit and its replacement
                }
                int workerId = worker.get("id").asInt();
                HttpResponse<String> r = admin.post("/workers/" + workerId + "/kill?signal=KILL");
                assertEquals(200, r.statusCode(), r.body());
                kills++;
                // the next kill is for the replacement once it is ready (a crash, not a failed boot),
                // or there is none because forkd gave up
                awaitTrue(() -> {
                    if (!state(id).getRunning()) {
                        return true;
                    }
                    try {
                        JsonNode w = admin.status().get("workers").get(0);
                        return w != null && w.get("id").asInt() != workerId && w.get("state").asText().equals("ready");
                    } catch (IOException e) {
                        return true; // endpoint gone: forkd is exiting
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return true;
                    }
                }, EVENT_TIMEOUT, "a replacement for worker " + workerId + " or the end of forkd");
            }
            Integer code = docker.waitContainerCmd(id).start().awaitStatusCode(EVENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(70, code, "exit code; log:\n" + log.text());
            assertEquals(2, kills, "--max-restarts 1: the second crash within the window is one too many");
            log.awaitLine("more than 1 worker restarts within 1m: giving up \\(exit 70\\)", EVENT_TIMEOUT);
        }
    }

    /**
     * The class-data archive is what makes a replacement worker boot fast; the image keeps it in
     * /var/cache/forkd (the forkd user's home, /nonexistent, has no ~/.cache: it used to be off without
     * a word). Once it is made, a replacement maps it: its command line names it and its memory map
     * holds it. The figures printed compare with the read-only container's below.
     */
    @Test
    void aReplacementWorkerBootsFromTheClassDataArchiveOnceItIsMade(TestInfo info) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        try (ContainerLog log = new ContainerLog("docker-" + info.getTestMethod().orElseThrow().getName());
                GenericContainer<?> forkd = forkd(log, null, "--port", Integer.toString(port), "--admin", "127.0.0.1:" + adminPort,
                        "--workers", "2")) {
            forkd.start();
            log.awaitLine("class-data archive for workers: none yet; .* as /var/cache/forkd/worker-[0-9a-f]+\\.jsa$", EVENT_TIMEOUT);
            log.awaitLine("class-data archive for workers made in \\d+ ms: /var/cache/forkd/worker-[0-9a-f]+\\.jsa", EVENT_TIMEOUT);
            Admin admin = admin(log, adminPort);
            List<Long> readyMs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long pid = replaceOneWorker(forkd, log, admin, readyMs);
                String cmdline = forkd.execInContainer("sh", "-c", "tr '\\0' ' ' </proc/" + pid + "/cmdline").getStdout();
                assertTrue(cmdline.contains(" -XX:SharedArchiveFile=/var/cache/forkd/worker-"), cmdline);
                // the JVM skips an archive it cannot map without a word (-Xshare:auto): the map says it did map it
                ExecResult maps = forkd.execInContainer("grep", "-c", "/var/cache/forkd/worker-.*\\.jsa", "/proc/" + pid + "/maps");
                assertTrue(Integer.parseInt(maps.getStdout().trim()) > 0, "worker " + pid + " maps the archive: " + maps);
            }
            System.err.printf("[ForkdDockerIT] spawn-to-ready of a replacement worker WITH the class-data archive: %s ms%n", readyMs);
        }
    }

    /**
     * Where the cache directory cannot be written ({@code docker run --read-only}), forkd says so at
     * start and workers start without the archive, as before.
     */
    @Test
    void onAReadOnlyRootTheArchiveIsOffSaysWhyAndWorkersStillStart(TestInfo info) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        try (ContainerLog log = new ContainerLog("docker-" + info.getTestMethod().orElseThrow().getName());
                GenericContainer<?> forkd = forkd(log, null, "--port", Integer.toString(port), "--admin", "127.0.0.1:" + adminPort,
                        "--workers", "2")
                        .withTmpFs(java.util.Map.of("/tmp", "rw"))
                        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true))) {
            forkd.start();
            log.awaitLine("class-data archive for workers: off, the cache directory /var/cache/forkd is not writable"
                    + " \\(a read-only file system\\); set FORKD_CACHE_DIR .*; workers start without one", EVENT_TIMEOUT);
            Admin admin = admin(log, adminPort);
            List<Long> readyMs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long pid = replaceOneWorker(forkd, log, admin, readyMs);
                String cmdline = forkd.execInContainer("sh", "-c", "tr '\\0' ' ' </proc/" + pid + "/cmdline").getStdout();
                assertFalse(cmdline.contains("SharedArchiveFile"), cmdline);
            }
            assertEquals(0, log.countLines("class-data archive for workers made"), log.text());
            System.err.printf("[ForkdDockerIT] spawn-to-ready of a replacement worker WITHOUT the class-data archive: %s ms%n", readyMs);
        }
    }

    /** Kills the first worker in the container, waits for its replacement; adds its spawn-to-ready time to {@code readyMs}; returns its pid. */
    private static long replaceOneWorker(GenericContainer<?> forkd, ContainerLog log, Admin admin, List<Long> readyMs) throws Exception {
        JsonNode before = admin.awaitStatus(s -> Admin.countReady(s) == 2 && s.get("workers").size() == 2, EVENT_TIMEOUT);
        Set<Long> oldPids = pids(before);
        long victim = before.get("workers").get(0).get("pid").asLong();
        ExecResult kill = forkd.execInContainer("sh", "-c", "kill -9 " + victim);
        assertEquals(0, kill.getExitCode(), kill.toString());
        JsonNode after = admin.awaitStatus(s -> Admin.countReady(s) == 2 && s.get("workers").size() == 2 && !pids(s).contains(victim),
                EVENT_TIMEOUT);
        Set<Long> fresh = pids(after);
        fresh.removeAll(oldPids);
        assertEquals(1, fresh.size(), after.toPrettyString());
        long pid = fresh.iterator().next();
        Matcher m = log.awaitLine("worker \\d+ \\(pid " + pid + "\\) ready in (\\d+) ms", EVENT_TIMEOUT);
        readyMs.add(Long.parseLong(m.group(1)));
        return pid;
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** forkd's image with these arguments (replacing the image's CMD), on the host's network. */
    private static GenericContainer<?> forkd(ContainerLog log, HealthCheck health, String... args) {
        HealthCheck check = health != null ? health : new HealthCheck().withTest(List.of("NONE")); // no JVM every 30 s
        return new GenericContainer<>(image)
                .withNetworkMode("host")
                .withCommand(args)
                .withLogConsumer(log)
                .withCreateContainerCmdModifier(cmd -> cmd.withHealthcheck(check))
                // forkd logs to stderr; the line says every worker is ready
                .waitingFor(Wait.forLogMessage("(?s).*listening on .*", 1).withStartupTimeout(START_TIMEOUT));
    }

    private static Admin admin(ContainerLog log, int adminPort) throws InterruptedException {
        log.awaitLine("admin endpoint on http://127\\.0\\.0\\.1:" + adminPort + "/status", EVENT_TIMEOUT);
        return new Admin("http://127.0.0.1:" + adminPort);
    }

    /** A port free on loopback now; forkd binds it in the container, which shares the host's network. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static long seconds(long s) {
        return TimeUnit.SECONDS.toNanos(s);
    }

    private static InspectContainerResponse.ContainerState state(String id) {
        return docker.inspectContainerCmd(id).exec().getState();
    }

    private static HealthState awaitHealth(String id, String wanted) throws InterruptedException {
        awaitTrue(() -> {
            InspectContainerResponse.ContainerState s = state(id);
            return s.getHealth() != null && wanted.equals(s.getHealth().getStatus());
        }, START_TIMEOUT, "health status " + wanted + " (last: " + state(id).getHealth() + ")");
        return state(id).getHealth();
    }

    /** Polls {@code condition} until it holds; fails at the deadline. */
    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        Await.until(timeout, what, condition);
    }

    private static boolean every(JsonNode status, java.util.function.Predicate<JsonNode> p) {
        for (JsonNode w : status.get("workers")) {
            if (!p.test(w)) {
                return false;
            }
        }
        return true;
    }

    private static Set<Long> pids(JsonNode status) {
        Set<Long> pids = new HashSet<>();
        status.get("workers").forEach(w -> pids.add(w.get("pid").asLong()));
        return pids;
    }

    /** Processes in the container that have exited and not been waited for (state Z in /proc/PID/stat). */
    private static List<String> zombies(GenericContainer<?> c) throws IOException, InterruptedException {
        // /proc/PID/stat is "PID (COMM) STATE ..."; no ps in a minimal image
        ExecResult r = c.execInContainer("sh", "-c", "for f in /proc/[0-9]*/stat; do cat \"$f\" 2>/dev/null && echo; done");
        assertEquals(0, r.getExitCode(), r.toString());
        List<String> zombies = new ArrayList<>();
        Pattern stat = Pattern.compile("^(\\d+) \\((.*)\\) (\\S) ");
        int seen = 0;
        for (String line : r.getStdout().split("\n")) {
            Matcher m = stat.matcher(line);
            if (m.find()) {
                seen++;
                if (m.group(3).equals("Z")) {
                    zombies.add(m.group(1) + " " + m.group(2));
                }
            }
        }
        assertTrue(seen >= 4, "read the container's processes (forkd, 3 workers): " + r.getStdout());
        return zombies;
    }

}
