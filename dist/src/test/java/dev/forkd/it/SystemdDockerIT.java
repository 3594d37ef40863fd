package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
import org.testcontainers.images.builder.Transferable;

/**
 * forkd's real systemd units ({@code scripts/systemd}) under a real systemd: PID 1 of a container
 * built from {@code $FORKD_SYSTEMD_BASE_IMAGE}, else {@code $FORKD_BASE_IMAGE}, else
 * forkd-base:local (from scripts/ci/docker-up.sh), which must have Java 17+ and systemd, on the
 * host's network. The socket unit listens on a free loopback port picked here (a drop-in replaces
 * its ListenStream=); /etc/default/forkd is the repository's forkd.env with an admin port and two
 * workers appended to FORKD_OPTS (a later option wins) and quick-start flags in FORKD_JAVA_OPTS.
 * The tests drive it with {@code systemctl} in the container and with clients here.
 *
 * <p>One container serves every test; each test starts from both units stopped and the settings
 * file as installed. Without a Docker engine, or a base image with systemd, the tests are skipped;
 * {@code FORKD_REQUIRE_DOCKER=1} (as in CI) makes that a failure.
 */
class SystemdDockerIT {
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(2);
    /** forkd's JVM and its workers' on a busy 2-core machine: seconds, not minutes. */
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(90);
    private static final String DEFAULT_BASE = "forkd-base:local";
    private static final String TAG = "[SystemdDockerIT] ";
    /** systemd's line for forkd's exit 70, once per run that gave up. */
    private static final String EXIT_70 = "forkd\\.service: Main process exited, code=exited, status=70/SOFTWARE";
    private static final Pattern WORKER_LINE = Pattern.compile("\\[worker (\\d+) pid (\\d+)\\]");

    private static boolean required;
    private static String skipReason;
    private static String baseImage;
    private static DockerClient docker;
    private static String imageName;
    private static ImageFromDockerfile image;
    private static GenericContainer<?> systemd;
    private static int port;
    private static int adminPort;
    /** The repository's forkd.env as installed in the image: FORKD_OPTS with this test's admin port. */
    private static String settings;
    /** scripts/systemd/forkd.env as it is, and its FORKD_OPTS. */
    private static String envFile;
    private static String realOpts;

    /** The journal's position when the current test began: what it logged comes after. */
    private String cursor;

    @BeforeAll
    static void bootSystemd() throws Exception {
        required = "1".equals(System.getenv("FORKD_REQUIRE_DOCKER"));
        baseImage = DEFAULT_BASE;
        for (String name : List.of("FORKD_BASE_IMAGE", "FORKD_SYSTEMD_BASE_IMAGE")) {
            String env = System.getenv(name);
            if (env != null && !env.isBlank()) {
                baseImage = env.trim(); // the later one wins
            }
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            requireOrSkip("no Docker engine answers (Testcontainers found none; its log says where it looked)."
                    + " Start one (as root: scripts/ci/docker-up.sh)");
            return;
        }
        docker = DockerClientFactory.instance().client();
        try {
            docker.inspectImageCmd(baseImage).exec();
        } catch (NotFoundException e) {
            // not pulled: a registry image with Java and systemd is not something to fetch behind anyone's back
            requireOrSkip("the base image " + baseImage + " is not on the Docker engine. It needs Java 17+ and systemd;"
                    + " as root, scripts/ci/docker-up.sh builds forkd-base:local (or set FORKD_SYSTEMD_BASE_IMAGE)");
            return;
        }
        // e.g. FORKD_BASE_IMAGE=eclipse-temurin:17-jre, right for ForkdDockerIT, has no systemd
        String missing = missingFromBase();
        if (missing != null) {
            requireOrSkip("the base image " + baseImage + " has no " + missing + "; this test needs Java 17+ and systemd."
                    + " Set FORKD_SYSTEMD_BASE_IMAGE to one (as root, scripts/ci/docker-up.sh builds forkd-base:local)");
            return;
        }

        Path units = Path.of(System.getProperty("forkd.systemd.units", "../scripts/systemd")).toAbsolutePath().normalize();
        Path jar = ForkdProcess.jar();
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": run `mvn package` first");
        port = freePort();
        adminPort = freePort();
        envFile = Files.readString(units.resolve("forkd.env"));
        Matcher opts = Pattern.compile("(?m)^FORKD_OPTS=(.*)$").matcher(envFile);
        assertTrue(opts.find(), "forkd.env sets FORKD_OPTS: " + envFile);
        realOpts = opts.group(1).trim();
        settings = withOpts("");

        imageName = "forkd-systemd-it:" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        String dockerfile = String.join("\n",
                "FROM " + baseImage,
                "RUN test -x /lib/systemd/systemd && java -version 2>/dev/null"
                        + " || { echo 'the base image needs systemd and Java 17+ (scripts/ci/docker-up.sh builds one)' >&2; exit 1; }",
                // forkd's units and settings, installed as the README says
                "COPY forkd.service forkd.socket /etc/systemd/system/",
                "COPY forkd.env /etc/default/forkd",
                "COPY port.conf /etc/systemd/system/forkd.socket.d/port.conf",
                "COPY forkd.jar /opt/forkd/forkd.jar",
                // what systemd takes for a clean shutdown of the container
                "STOPSIGNAL SIGRTMIN+3",
                "CMD [\"/lib/systemd/systemd\"]",
                "");
        image = new ImageFromDockerfile(imageName, false)
                .withFileFromString("Dockerfile", dockerfile)
                .withFileFromPath("forkd.service", units.resolve("forkd.service"))
                .withFileFromPath("forkd.socket", units.resolve("forkd.socket"))
                .withFileFromTransferable("forkd.env", Transferable.of(settings, 0644))
                // a drop-in: an empty ListenStream= drops the unit's 127.0.0.1:8888, the next one is ours
                .withFileFromTransferable("port.conf", Transferable.of("[Socket]\nListenStream=\nListenStream=127.0.0.1:" + port + "\n", 0644))
                .withFileFromPath("forkd.jar", jar)
                .withBuildImageCmdModifier(cmd -> cmd.withNetworkMode("host"));
        long t0 = System.nanoTime();
        image.get(5, TimeUnit.MINUTES);
        long built = System.nanoTime();

        // systemd as PID 1 without --privileged: the flags that work on this engine
        systemd = new GenericContainer<>(image)
                .withNetworkMode("host")
                .withEnv("container", "docker")
                .withTmpFs(tmpfs("/run", "/run/lock", "/tmp"))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        // -v /sys/fs/cgroup:/sys/fs/cgroup:ro, given to the engine directly: withFileSystemBind
                        // would first check with an alpine container (pulled from a registry) that binds work
                        .withBinds(new Bind("/sys/fs/cgroup", new Volume("/sys/fs/cgroup"), AccessMode.ro))
                        .withCapAdd(Capability.SYS_ADMIN)
                        .withSecurityOpts(List.of("seccomp=unconfined", "apparmor=unconfined")))
                // "running", or "degraded" if a unit that has no business in a container failed
                .waitingFor(Wait.forSuccessfulCommand("systemctl is-system-running --wait 2>/dev/null | grep -qxE 'running|degraded'")
                        .withStartupTimeout(BOOT_TIMEOUT));
        systemd.start();
        System.err.printf(TAG + "built %s on %s in %d ms; systemd booted in %d ms (%s)%n", imageName, baseImage,
                TimeUnit.NANOSECONDS.toMillis(built - t0), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - built),
                exec("systemctl", "is-system-running").getStdout().trim());
    }

    @AfterAll
    static void stopSystemd() {
        if (systemd != null) {
            systemd.stop(); // removes the container too
        }
        if (docker != null && image != null && image.isDone()) {
            try {
                docker.removeImageCmd(imageName).withForce(true).exec();
            } catch (NotFoundException e) {
                // already gone
            }
        }
    }

    /** What the base image lacks of systemd and Java, or null; asked of a throwaway container. */
    private static String missingFromBase() throws InterruptedException {
        String id = docker.createContainerCmd(baseImage)
                .withEntrypoint("/bin/sh")
                .withCmd("-c", "test -x /lib/systemd/systemd || exit 3; command -v java >/dev/null || exit 4")
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host"))
                .exec().getId();
        try {
            docker.startContainerCmd(id).exec();
            int code = docker.waitContainerCmd(id).start().awaitStatusCode(2, TimeUnit.MINUTES);
            return code == 0 ? null : code == 3 ? "systemd (/lib/systemd/systemd)" : code == 4 ? "java on its PATH" : "/bin/sh (exit " + code + ")";
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
    }

    private static void requireOrSkip(String reason) {
        if (required) {
            fail("FORKD_REQUIRE_DOCKER=1, but " + reason);
        }
        skipReason = "Docker tests skipped: " + reason + "; FORKD_REQUIRE_DOCKER=1 makes this a failure";
        System.err.println(TAG + skipReason);
    }

    @BeforeEach
    void bothUnitsStopped() throws Exception {
        Assumptions.assumeTrue(skipReason == null, () -> skipReason);
        assertTrue(systemd != null && systemd.isRunning(), "the systemd container is not running");
        run("systemctl", "stop", "forkd.service", "forkd.socket");
        // a unit that failed in a previous test keeps its state and start-limit count until this
        exec("systemctl", "reset-failed", "forkd.service", "forkd.socket");
        installSettings(settings);
        String c = run("journalctl", "--quiet", "--lines=0", "--show-cursor").trim();
        assertTrue(c.startsWith("-- cursor: "), c);
        cursor = c.substring("-- cursor: ".length());
        assertEquals("inactive", show("forkd.service").get("ActiveState"));
    }

    /** Stops both units, so that the journal kept for the test ends with forkd's stop. */
    @AfterEach
    void stopAndKeepTheJournal(TestInfo info) throws Exception {
        if (systemd == null || !systemd.isRunning() || cursor == null) {
            return;
        }
        long t0 = System.nanoTime();
        ExecResult stop = exec("systemctl", "stop", "forkd.service", "forkd.socket");
        System.err.printf(TAG + "%s: stopping the units after it took %d ms (%s)%n", info.getDisplayName(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), stop.getExitCode() == 0 ? "ok" : stop.toString());
        Path path = Path.of("target", "it-logs", "systemd-" + info.getTestMethod().orElseThrow().getName() + ".log");
        Files.createDirectories(path.getParent());
        ExecResult r = exec("journalctl", "--no-pager", "-o", "short-precise", "--after-cursor=" + cursor);
        Files.writeString(path, r.getStdout() + r.getStderr(), StandardCharsets.UTF_8);
    }

    @Test
    void theUnitsPassSystemdAnalyzeVerifyWhereTheyAreInstalled() throws Exception {
        // in this minimal system, unlike on a full host, verify also sees which commands are missing
        ExecResult r = exec("systemd-analyze", "verify", "/etc/systemd/system/forkd.socket", "/etc/systemd/system/forkd.service");
        assertEquals(0, r.getExitCode(), r.toString());
        assertEquals("", (r.getStdout() + r.getStderr()).trim(), "no warnings");
    }

    /**
     * The unit's sandbox, as systemd itself rates it where the unit is installed (issue 11: 5.8
     * MEDIUM before), and forkd serving inside it: seccomp filter on, no capabilities.
     */
    @Test
    void theSandboxScoresAtMostTwoAndForkdServesInIt() throws Exception {
        ExecResult r = exec("systemd-analyze", "security", "--no-pager", "forkd.service");
        String out = r.getStdout() + r.getStderr();
        assertEquals(0, r.getExitCode(), out);
        Matcher score = Pattern.compile("Overall exposure level for forkd\\.service: (\\d+\\.\\d+) (\\w+)").matcher(out);
        assertTrue(score.find(), out);
        System.err.printf(TAG + "systemd-analyze security forkd.service: %s %s%n", score.group(1), score.group(2));
        assertTrue(Double.parseDouble(score.group(1)) <= 2.0, "exposure at most 2.0:\n" + out);

        startForkd();
        String pid = show("forkd.service").get("MainPID");
        String cmdline = run("cat", "/proc/" + pid + "/cmdline").replace('\0', ' ');
        assertTrue(cmdline.startsWith("/usr/bin/java -XX:+ExitOnOutOfMemoryError -Xmx256m "), cmdline);
        String status = run("cat", "/proc/" + pid + "/status");
        assertTrue(Pattern.compile("(?m)^Seccomp:\\s+2$").matcher(status).find(), "a seccomp filter applies:\n" + status);
        assertTrue(Pattern.compile("(?m)^NoNewPrivs:\\s+1$").matcher(status).find(), status);
        assertTrue(Pattern.compile("(?m)^CapEff:\\s+0+$").matcher(status).find(), "no capability:\n" + status);
        try (Client c = new Client(port)) {
            assertEquals("SANDBOXED\n", c.roundTrip("sandboxed\n"));
        }
        // its workers, started under the same filter, are ready and serve: the JVM survives it
        JsonNode s = admin().awaitStatus(st -> Admin.countReady(st) == 2, EVENT_TIMEOUT);
        assertEquals(2, s.get("workers").size(), s.toString());
    }

    @Test
    void theFirstClientStartsForkdWhichIsActiveOnlyOnceItsWorkersAreReady() throws Exception {
        run("systemctl", "start", "forkd.socket");
        Map<String, String> socket = show("forkd.socket");
        assertEquals("active/listening", socket.get("ActiveState") + "/" + socket.get("SubState"));
        assertEquals("inactive", show("forkd.service").get("ActiveState"), "nothing started forkd yet");

        // Watch the service's state from before the first connection until it is active. forkd's
        // JVM and workers take seconds to start, a sample takes a fraction of one.
        List<Map<String, String>> samples = new ArrayList<>();
        CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + EVENT_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                Map<String, String> s = uncheckedShow("forkd.service");
                synchronized (samples) {
                    samples.add(s);
                }
                if (!s.get("ActiveState").equals("inactive") && !s.get("ActiveState").equals("activating")) {
                    return;
                }
            }
        });
        awaitTrue(() -> {
            synchronized (samples) {
                return !samples.isEmpty();
            }
        }, EVENT_TIMEOUT, "a first sample of forkd.service's state");
        try (Client c = new Client(port)) {
            // systemd accepted at once; the reply comes from the forkd this connection started, once
            // its JVM and its workers' are up: on a busy machine, more than a usual reply timeout
            c.socket.setSoTimeout((int) EVENT_TIMEOUT.toMillis());
            assertEquals("HELLO, SYSTEMD\n", c.roundTrip("hello, systemd\n"));
            assertEquals("AGAIN\n", c.roundTrip("again\n"));
        }
        watch.get(EVENT_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);

        int firstActive = -1;
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).get("ActiveState").equals("active")) {
                firstActive = i;
                break;
            }
        }
        assertTrue(firstActive > 0, "forkd.service became active: " + samples);
        List<Map<String, String>> before = samples.subList(0, firstActive);
        assertTrue(before.stream().anyMatch(s -> s.get("ActiveState").equals("activating") && s.get("SubState").equals("start")),
                "forkd.service was 'activating' (waiting for READY=1) before it was active: " + samples);
        assertTrue(before.stream().allMatch(s -> s.get("StatusText").isEmpty()), "no STATUS= before READY=1: " + before);
        assertTrue(samples.get(firstActive).get("StatusText").matches("2 workers ready, \\d+ busy; .*"),
                "active together with READY=1 and its STATUS=: " + samples.get(firstActive));

        // the forkd that systemd started and watches is the one serving, with its listener from systemd
        Map<String, String> service = show("forkd.service");
        assertEquals("active/running", service.get("ActiveState") + "/" + service.get("SubState"));
        JsonNode status = admin().awaitStatus(s -> Admin.countReady(s) == 2, EVENT_TIMEOUT);
        assertEquals(service.get("MainPID"), status.get("pid").asText(), "forkd is the unit's main process: " + status);
        ExecResult st = exec("systemctl", "status", "--no-pager", "forkd.service");
        assertEquals(0, st.getExitCode(), st.toString());
        assertTrue(st.getStdout().contains("Active: active (running)"), st.getStdout());
        assertTrue(Pattern.compile("Status: \"2 workers ready, \\d+ busy").matcher(st.getStdout()).find(), st.getStdout());
        awaitJournal("using the listening socket passed on standard input \\(socket activation\\)");
        awaitJournal("listening on 127\\.0\\.0\\.1:" + port + " ");
        try (Client c = new Client(port)) {
            assertEquals("SECOND CLIENT\n", c.roundTrip("second client\n"));
        }
    }

    @Test
    void reloadReplacesEveryWorkerWithoutAFailedConnectionAndTheJournalHasTheirLines() throws Exception {
        startForkd();
        Admin admin = admin();
        JsonNode before = admin.awaitStatus(s -> Admin.countReady(s) == 2 && s.get("workers").size() == 2, EVENT_TIMEOUT);
        Map<Integer, Long> old = workers(before);
        String mainPid = show("forkd.service").get("MainPID");

        try (Load load = new Load(port, 2)) {
            assertTrue(load.awaitMore(20, EVENT_TIMEOUT.toMillis()), "the load runs: " + load.failures);
            run("systemctl", "reload", "forkd.service");
            JsonNode after = admin.awaitStatus(s -> s.get("workers").size() == 2 && Admin.countReady(s) == 2
                    && workers(s).values().stream().noneMatch(old::containsValue), EVENT_TIMEOUT);
            // RELOADING=1 took the unit to "reloading"; READY=1 at the end of the rolling restart back to active
            Map<String, String> service = awaitShow("forkd.service", s -> s.get("ActiveState").equals("active")
                    && s.get("StatusText").startsWith("2 workers ready"), EVENT_TIMEOUT);
            assertEquals(mainPid, service.get("MainPID"), "a reload keeps the supervisor");
            Set<Long> newPids = new HashSet<>(workers(after).values());
            newPids.retainAll(old.values());
            assertTrue(newPids.isEmpty(), "every worker replaced: before " + old + ", after " + workers(after));
            assertTrue(load.awaitMore(20, EVENT_TIMEOUT.toMillis()), "the load runs on after the reload: " + load.failures);
            load.close();
            assertTrue(load.failures.isEmpty(), "no connection failed during the reload: " + load.failures);
            System.err.printf(TAG + "reload under load: %d requests, no failure%n", load.ok.get());
        }
        awaitJournal("Reloaded forkd\\.service");
        // the workers' own lines reach the journal through forkd, tagged with their id and pid
        String journal = awaitJournal("rolling restart complete");
        for (Map.Entry<Integer, Long> w : old.entrySet()) {
            awaitJournal("\\[worker " + w.getKey() + " pid " + w.getValue() + "\\] drained; exiting");
        }
        assertTrue(WORKER_LINE.matcher(journal).find(), journal);

        // and a stop after the reload is as clean as any: systemd ran ExecReload= with the listening
        // socket as its standard input, which made the socket blocking for forkd too
        long t0 = System.nanoTime();
        run("systemctl", "stop", "forkd.service");
        Map<String, String> stopped = show("forkd.service");
        assertEquals("inactive/success", stopped.get("ActiveState") + "/" + stopped.get("Result"), stopped.toString());
        awaitJournal("stopped \\(exit code 0\\)");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "stopped within 30s, before TimeoutStopSec=45s");
    }

    /**
     * The unit passes its CacheDirectory= to forkd as FORKD_CACHE_DIR (before, forkd looked in the
     * dynamic user's home, which has none, and the archive was off without a word): forkd makes the
     * workers' class-data archive there, and a replacement worker boots from it.
     */
    @Test
    void aReplacementWorkerBootsFromTheClassDataArchiveInTheCacheDirectory() throws Exception {
        // the cache directory outlives the service: start without an archive made by an earlier test
        run("sh", "-c", "rm -f /var/cache/private/forkd/worker-*.jsa /var/cache/forkd/worker-*.jsa");
        startForkd();
        awaitJournal("class-data archive for workers: none yet; .* as /var/cache/forkd/worker-[0-9a-f]+\\.jsa");
        awaitJournal("class-data archive for workers made in \\d+ ms: /var/cache/forkd/worker-[0-9a-f]+\\.jsa");
        Admin admin = admin();
        List<Long> readyMs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode before = admin.awaitStatus(s -> Admin.countReady(s) == 2 && s.get("workers").size() == 2, EVENT_TIMEOUT);
            Map<Integer, Long> old = workers(before);
            long victim = before.get("workers").get(0).get("pid").asLong();
            run("sh", "-c", "kill -9 " + victim); // the shell's kill: the image has no /bin/kill
            JsonNode after = admin.awaitStatus(s -> Admin.countReady(s) == 2 && s.get("workers").size() == 2
                    && !workers(s).containsValue(victim), EVENT_TIMEOUT);
            Set<Long> fresh = new HashSet<>(workers(after).values());
            fresh.removeAll(old.values());
            assertEquals(1, fresh.size(), after.toPrettyString());
            long pid = fresh.iterator().next();
            Matcher m = Pattern.compile("worker \\d+ \\(pid " + pid + "\\) ready in (\\d+) ms")
                    .matcher(awaitJournal("worker \\d+ \\(pid " + pid + "\\) ready in \\d+ ms"));
            assertTrue(m.find());
            readyMs.add(Long.parseLong(m.group(1)));
            String cmdline = run("sh", "-c", "tr '\\0' ' ' </proc/" + pid + "/cmdline");
            assertTrue(cmdline.contains(" -XX:SharedArchiveFile=/var/cache/forkd/worker-"), cmdline);
            // -Xshare:auto skips an archive it cannot map without a word: the memory map shows it was mapped
            assertTrue(run("cat", "/proc/" + pid + "/maps").matches("(?s).*/var/cache/(private/)?forkd/worker-[0-9a-f]+\\.jsa.*"),
                    "worker " + pid + " maps the archive");
        }
        String journal = journal();
        Matcher first = Pattern.compile("worker [12] \\(pid \\d+\\) ready in (\\d+) ms").matcher(journal);
        List<Long> firstMs = new ArrayList<>();
        while (first.find()) {
            firstMs.add(Long.parseLong(first.group(1)));
        }
        System.err.printf(TAG + "spawn-to-ready: the first 2 workers (no archive, booting together) %s ms; replacements with the archive %s ms%n",
                firstMs, readyMs);
    }

    @Test
    void stopDrainsTheLiveConversationAndEndsInactiveNotFailed() throws Exception {
        startForkd();
        CompletableFuture<ExecResult> stop;
        try (Client c = new Client(port)) {
            assertEquals("BEFORE\n", c.roundTrip("before\n"));
            stop = CompletableFuture.supplyAsync(() -> uncheckedExec("systemctl", "stop", "forkd.service"));
            awaitJournal("stopping gracefully");
            assertEquals("deactivating", show("forkd.service").get("ActiveState"));
            assertEquals("DURING THE STOP\n", c.roundTrip("during the stop\n"));
            assertEquals("AND MORE\n", c.roundTrip("and more\n"));
            assertFalse(stop.isDone(), "systemctl stop waits for the live conversation");
        }
        ExecResult r = stop.get(EVENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(0, r.getExitCode(), r.toString());
        Map<String, String> service = show("forkd.service");
        assertEquals("inactive/dead", service.get("ActiveState") + "/" + service.get("SubState"), service.toString());
        assertEquals("success", service.get("Result"), service.toString());
        assertEquals("0", service.get("ExecMainStatus"), service.toString());
        awaitJournal("all connections finished");
        awaitJournal("stopped \\(exit code 0\\)");
        // the socket stays: the next client starts forkd again
        assertEquals("active", show("forkd.socket").get("ActiveState"));
    }

    @Test
    void aCrashLoopEndsInExit70RestartsAndThenFailedAtTheStartLimit() throws Exception {
        // every crash of the only worker is one restart too many: forkd exits 70 at once. A client
        // asks for each crash; connections wait in systemd's socket while forkd restarts.
        installSettings(withOpts("--workers 1 --handler chaos --enable-chaos --max-restarts 0"));
        run("systemctl", "start", "forkd.socket");
        // StartLimitBurst=3 in StartLimitIntervalSec=60: it ends failed once 4 starts fall within 60s,
        // i.e. when a start-and-crash takes less than 20s. More runs happen on a slower machine.
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        int crashes = 0;
        while (!show("forkd.service").get("ActiveState").equals("failed")) {
            assertTrue(System.nanoTime() < deadline, "forkd.service not failed after " + crashes
                    + " crashes (does a start-and-crash take more than 20s here?): " + show("forkd.service"));
            try (Client c = new Client(port)) {
                c.send("crash\n");
                assertTrue(c.endsWithin(EVENT_TIMEOUT), "the connection of a crashed worker ends");
            }
            crashes++;
            // that forkd exited 70 ...
            int exited = crashes;
            awaitJournal(j -> count(j, EXIT_70) >= exited, "forkd's exit 70 after crash " + crashes);
            // ... and systemd either started it again after RestartSec= or gave up: the loop's condition says which
            awaitShow("forkd.service", s -> !s.get("SubState").equals("auto-restart"), EVENT_TIMEOUT);
        }
        Map<String, String> service = awaitShow("forkd.service", s -> s.get("ActiveState").equals("failed"), EVENT_TIMEOUT);
        assertEquals("70", service.get("ExecMainStatus"), "forkd's last exit: " + service);
        assertEquals("exit-code", service.get("Result"), service.toString());
        // the refused restart counts too: as many restarts as runs
        int runs = Integer.parseInt(service.get("NRestarts"));
        assertTrue(runs >= 3, "the start limit allows 3 starts within 60s: " + service);
        Map<String, String> socket = show("forkd.socket");
        assertEquals("failed", socket.get("ActiveState"), socket.toString());
        assertEquals("service-start-limit-hit", socket.get("Result"), socket.toString());

        String journal = awaitJournal("forkd\\.service: Start request repeated too quickly");
        assertEquals(runs, count(journal, "Starting forkd\\.service"), "the first start and the restarts but the refused one:\n" + journal);
        assertEquals(runs, count(journal, "giving up \\(exit 70\\)"), "each run gave up:\n" + journal);
        assertEquals(runs, count(journal, EXIT_70), journal);
        assertEquals(runs, crashes, "one client asked for each crash");
        // each run logged its own end, which goes to the journal too (stderr stays open to the end)
        awaitJournal(j -> count(j, "stopped \\(exit code 70\\)") == runs, runs + " lines 'stopped (exit code 70)'");
        System.err.printf(TAG + "crash loop: %d crashes asked for, forkd.service %s%n", crashes, service);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Starts the socket and then the service: `systemctl start` returns once forkd sent READY=1. */
    private static void startForkd() throws Exception {
        run("systemctl", "start", "forkd.socket");
        run("systemctl", "start", "forkd.service");
        Map<String, String> s = show("forkd.service");
        assertEquals("active/running", s.get("ActiveState") + "/" + s.get("SubState"), s.toString());
        assertTrue(s.get("StatusText").startsWith("2 workers ready"), s.toString());
    }

    private static Admin admin() {
        return new Admin("http://127.0.0.1:" + adminPort);
    }

    /**
     * forkd.env with FORKD_OPTS extended by this test's admin port, two workers and {@code extra}
     * (a later option wins), and FORKD_JAVA_OPTS for a quicker start of forkd's own JVM, as its
     * workers' have (a busy 2-core machine takes many seconds otherwise).
     */
    private static String withOpts(String extra) {
        String opts = realOpts + " --admin 127.0.0.1:" + adminPort + " --workers 2" + (extra.isEmpty() ? "" : " " + extra);
        String s = envFile.replaceFirst("(?m)^FORKD_OPTS=.*$", Matcher.quoteReplacement("FORKD_OPTS=" + opts));
        assertTrue(Pattern.compile("(?m)^FORKD_JAVA_OPTS=$").matcher(s).find(), "forkd.env has an empty FORKD_JAVA_OPTS: " + envFile);
        return s.replaceFirst("(?m)^FORKD_JAVA_OPTS=$", "FORKD_JAVA_OPTS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    }

    /** /etc/default/forkd; the service reads it at each start (no daemon-reload needed). */
    private static void installSettings(String content) {
        systemd.copyFileToContainer(Transferable.of(content, 0644), "/etc/default/forkd");
    }

    private static Map<String, String> tmpfs(String... paths) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String p : paths) {
            m.put(p, ""); // Docker's defaults, as `docker run --tmpfs PATH` gives them (noexec among them)
        }
        return m;
    }

    private static ExecResult exec(String... command) throws IOException, InterruptedException {
        return systemd.execInContainer(command);
    }

    private static ExecResult uncheckedExec(String... command) {
        try {
            return exec(command);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command in the container that must succeed; returns its output. */
    private static String run(String... command) throws IOException, InterruptedException {
        ExecResult r = exec(command);
        assertEquals(0, r.getExitCode(), String.join(" ", command) + ": " + r);
        return r.getStdout();
    }

    private static final String[] PROPERTIES = {"ActiveState", "SubState", "Result", "StatusText", "MainPID", "ExecMainPID",
        "ExecMainStatus", "NRestarts"};

    /** {@code systemctl show} of a unit: states, STATUS= text, pids, exit status, restarts. */
    private static Map<String, String> show(String unit) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("systemctl", "show", unit));
        for (String p : PROPERTIES) {
            cmd.add("-p");
            cmd.add(p);
        }
        Map<String, String> m = new HashMap<>();
        for (String line : run(cmd.toArray(new String[0])).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        m.putIfAbsent("StatusText", "");
        return m;
    }

    private static Map<String, String> uncheckedShow(String unit) {
        try {
            return show(unit);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> awaitShow(String unit, Predicate<Map<String, String>> condition, Duration timeout)
            throws IOException, InterruptedException {
        return Await.value(timeout, s -> unit + " did not reach the expected state within " + timeout + ": " + s,
                () -> show(unit), condition);
    }

    /** What the journal holds about forkd's units since this test began. */
    private String journal() throws IOException, InterruptedException {
        return run("journalctl", "--no-pager", "-o", "cat", "-u", "forkd.service", "-u", "forkd.socket", "--after-cursor=" + cursor);
    }

    /** Waits for a line matching {@code regex} in the journal of this test; returns the journal. */
    private String awaitJournal(String regex) throws IOException, InterruptedException {
        Pattern p = Pattern.compile(regex);
        return awaitJournal(j -> p.matcher(j).find(), "a journal line matching /" + regex + "/");
    }

    private String awaitJournal(Predicate<String> condition, String what) throws IOException, InterruptedException {
        return Await.value(EVENT_TIMEOUT, j -> "no " + what + " within " + EVENT_TIMEOUT + "; the journal since the test began:\n" + j,
                this::journal, condition);
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        Await.until(timeout, what, condition);
    }

    /** Worker id to pid, from /status. */
    private static Map<Integer, Long> workers(JsonNode status) {
        Map<Integer, Long> m = new HashMap<>();
        status.get("workers").forEach(w -> m.put(w.get("id").asInt(), w.get("pid").asLong()));
        return m;
    }

    /** A port free on loopback now; systemd binds it in the container, which shares the host's network. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
