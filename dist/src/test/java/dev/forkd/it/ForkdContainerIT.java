package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.forkd.testcontainers.ForkdAdminException;
import dev.forkd.testcontainers.ForkdContainer;
import dev.forkd.testcontainers.ForkdWorker;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;

/**
 * The forkd-testcontainers module ({@link ForkdContainer}) against forkd's image built from this
 * checkout's forkd.jar, on the host's network (the only mode this engine has): every method a
 * user's crash-isolation test would call, and the admin token the module makes, which forkd must
 * accept and which must appear in no log. Skipped without an engine, as ForkdDockerIT.
 */
class ForkdContainerIT {
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);

    private static String skipReason;
    private static String imageName;
    private static ImageFromDockerfile image;

    private final LogLines log = new LogLines("container log", () -> null);
    private PrintWriter logFile;
    private ForkdContainer forkd;

    @BeforeAll
    static void buildImage() throws Exception {
        boolean required = "1".equals(System.getenv("FORKD_REQUIRE_DOCKER"));
        String base = System.getenv().getOrDefault("FORKD_BASE_IMAGE", "eclipse-temurin:17-jre").trim();
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            skipReason = "no Docker engine answers (as root: scripts/ci/docker-up.sh)";
        } else if (!imagePresent(base)) {
            skipReason = "the base image " + base + " is not on the engine; set FORKD_BASE_IMAGE (scripts/ci/docker-up.sh builds forkd-base:local)";
        }
        if (skipReason != null) {
            if (required) {
                fail("FORKD_REQUIRE_DOCKER=1, but " + skipReason);
            }
            System.err.println("[ForkdContainerIT] skipped: " + skipReason);
            return;
        }
        Path jar = ForkdProcess.jar();
        Path dockerfile = Path.of(System.getProperty("forkd.dockerfile", "../scripts/docker/Dockerfile")).toAbsolutePath();
        // the build context of scripts/docker/build-image.sh: the Dockerfile and the jar; a name of this test's own, removed after
        imageName = "tc-forkd-it:" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        image = new ImageFromDockerfile(imageName, false)
                .withFileFromPath("Dockerfile", dockerfile)
                .withFileFromPath("forkd.jar", jar)
                .withBuildArg("BASE_IMAGE", base)
                .withBuildImageCmdModifier(cmd -> cmd.withNetworkMode("host"));
        image.get(5, TimeUnit.MINUTES);
    }

    private static boolean imagePresent(String name) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(name).exec();
            return true;
        } catch (NotFoundException e) {
            return false; // this test builds on local images only; ForkdDockerIT tries the registry
        }
    }

    @AfterAll
    static void removeImage() {
        if (image != null && image.isDone()) {
            try {
                DockerClientFactory.instance().client().removeImageCmd(imageName).withForce(true).exec();
            } catch (NotFoundException e) {
                // already gone
            }
        }
    }

    @BeforeEach
    void dockerOrSkip(TestInfo info) throws IOException {
        Assumptions.assumeTrue(skipReason == null, () -> "Docker tests skipped: " + skipReason);
        Path path = Path.of("target", "it-logs", "tc-" + info.getTestMethod().orElseThrow().getName() + ".log");
        Files.createDirectories(path.getParent());
        logFile = new PrintWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8), true);
    }

    /** forkd's image as a user names a custom build of it: a compatible substitute for "forkd". */
    private ForkdContainer forkd() {
        forkd = new ForkdContainer(DockerImageName.parse(imageName).asCompatibleSubstituteFor("forkd"))
                .withHostNetwork()
                .withLogConsumer(logTo());
        return forkd;
    }

    private Consumer<OutputFrame> logTo() {
        return frame -> {
            if (frame.getType() == OutputFrame.OutputType.END) {
                return;
            }
            for (String line : frame.getUtf8String().split("\n")) {
                logFile.println(line);
                log.add(line);
            }
        };
    }

    /** Whatever the test did, the token the module made is in none of the container's output. */
    @AfterEach
    void tokenNeverLoggedAndContainerStopped() {
        if (forkd != null) {
            String token = forkd.getAdminToken();
            forkd.stop();
            assertFalse(log.text().contains(token), "the admin token is in the container's log");
        }
        if (logFile != null) {
            logFile.close();
        }
    }

    @Test
    void servesTheEchoAndShowsStatusAndMetricsOnLoopbackPortsOfItsOwn() throws Exception {
        forkd().withModel("threaded").withHandler("upper").withFraming("line").withWorkers(2).withJavaOptions("-Xmx200m").start();
        assertEquals("127.0.0.1", forkd.getHost());
        assertTrue(forkd.execInContainer("sh", "-c", "tr '\\0' ' ' </proc/1/cmdline").getStdout().contains(" -Xmx200m "),
                "FORKD_JAVA_OPTS reaches the supervisor's JVM");
        assertNotEquals(forkd.getClientPort(), forkd.getAdminPort());
        try (Client c = new Client(forkd.getHost(), forkd.getClientPort())) {
            assertEquals("HELLO, FORKD", c.ask("hello, forkd"));
        }
        JsonNode status = forkd.status();
        assertEquals("threaded", status.get("model").asText());
        assertEquals("upper", status.get("handler").asText());
        assertEquals("127.0.0.1:" + forkd.getClientPort(), status.get("listen").asText());
        List<ForkdWorker> workers = forkd.awaitReady(EVENT_TIMEOUT);
        assertEquals(2, workers.size());
        // the pids are the container's: each is a worker JVM there
        for (long pid : forkd.workerPids()) {
            ExecResult cmd = forkd.execInContainer("sh", "-c", "tr '\\0' ' ' </proc/" + pid + "/cmdline");
            assertTrue(cmd.getStdout().contains("WorkerMain"), cmd.toString());
        }
        assertEquals(1.0, forkd.metric("forkd_connections_accepted_total").orElseThrow());
        assertTrue(forkd.metrics().startsWith("# HELP forkd_"), "Prometheus' text format");
        assertTrue(forkd.metric("forkd_no_such_metric").isEmpty());
        assertEquals(List.of("--host", "127.0.0.1"), List.of(forkd.getCommandParts()).subList(0, 2));
    }

    /** What forkd requires of --admin-token-file, and what it does with a POST without the token. */
    @Test
    void theTokenFileIsForkdsUsersAloneAndAPostWithoutTheTokenIsRefused() throws Exception {
        int[] ports = new int[2];
        for (int i = 0; i < 2; i++) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                ports[i] = s.getLocalPort();
            }
        }
        forkd().withHostNetwork(ports[0], ports[1]).start();
        assertEquals(ports[0], forkd.getClientPort(), "the ports asked for");
        assertEquals(ports[1], forkd.getAdminPort());
        // the image's healthcheck, pointed at this admin endpoint rather than the image's 127.0.0.1:9901
        assertEquals("127.0.0.1:" + ports[1], forkd.getContainerInfo().getConfig().getHealthcheck().getTest().get(9));
        ExecResult stat = forkd.execInContainer("stat", "-c", "%a %u %g", "/opt/forkd/testcontainers/admin.token");
        assertEquals("400 10001 10001", stat.getStdout().trim(), stat.toString());
        assertEquals("10001", forkd.execInContainer("id", "-u").getStdout().trim(), "forkd's user, who reads it");
        HttpResponse<String> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(forkd.getAdminUrl() + "/workers/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode(), anonymous.body());
        HttpResponse<String> withToken = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(forkd.getAdminUrl() + "/workers/scale?delta=1"))
                .header("Authorization", "Bearer " + forkd.getAdminToken()).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, withToken.statusCode(), withToken.body());
        assertEquals(3, forkd.awaitReady(EVENT_TIMEOUT).size(), "the default 2 workers, and the one added");
    }

    @Test
    void killingAWorkerEndsOnlyItsConnectionAndForkdReplacesIt() throws Exception {
        forkd().withFraming("line").withWorkers(3).start();
        try (Client a = new Client(forkd.getHost(), forkd.getClientPort());
                Client b = new Client(forkd.getHost(), forkd.getClientPort());
                Client c = new Client(forkd.getHost(), forkd.getClientPort())) {
            for (Client x : List.of(a, b, c)) {
                assertEquals("BEFORE", x.ask("before")); // each now holds a worker of its own (prefork)
            }
            String aAddress = "127.0.0.1:" + a.localPort();
            ForkdWorker victim = forkd.workers().stream().filter(w -> w.clients().contains(aAddress)).findFirst()
                    .orElseThrow(() -> new AssertionError(aAddress + " is no worker's client: " + forkd.workers()));
            assertEquals(List.of(aAddress), forkd.killWorker(victim.id()), "the clients the worker held");

            assertTrue(a.endsWithin(EVENT_TIMEOUT), "the killed worker's client sees its connection end");
            assertEquals("STILL HERE", b.ask("still here"));
            assertEquals("AND HERE", c.ask("and here"));

            List<ForkdWorker> after = forkd.awaitReady(EVENT_TIMEOUT);
            assertEquals(3, after.size());
            assertTrue(after.stream().noneMatch(w -> w.id() == victim.id() || w.pid() == victim.pid()), after.toString());
        }
        assertEquals(1, forkd.status().get("restartsByReason").get("crash").asInt(), "a KILLed worker counts as a crash");
        ForkdAdminException gone = assertThrows(ForkdAdminException.class, () -> forkd.killWorker(9999));
        assertEquals(404, gone.statusCode());
    }

    /** TERM is not a drain for a worker: its JVM exits as on any TERM (shutdown hooks run), taking its connections. */
    @Test
    void terminatingAWorkerEndsItsJvmAndOnlyItsConnection() throws Exception {
        forkd().withFraming("line").withWorkers(2).start();
        try (Client a = new Client(forkd.getHost(), forkd.getClientPort()); Client b = new Client(forkd.getHost(), forkd.getClientPort())) {
            assertEquals("ONE", a.ask("one"));
            assertEquals("ONE", b.ask("one"));
            String aAddress = "127.0.0.1:" + a.localPort();
            ForkdWorker w = forkd.workers().stream().filter(x -> x.clients().contains(aAddress)).findFirst().orElseThrow();
            assertEquals(List.of(aAddress), forkd.terminateWorker(w.id()));
            assertTrue(a.endsWithin(EVENT_TIMEOUT));
            assertEquals("TWO", b.ask("two"));
            log.awaitLine("worker " + w.id() + " \\(pid " + w.pid() + "\\) exited unexpectedly \\(killed by signal TERM", EVENT_TIMEOUT);
        }
        assertEquals(2, forkd.awaitReady(EVENT_TIMEOUT).size());
    }

    @Test
    void crashWorkerCrashesOneThroughTheChaosHandlerAndOnlyItsConnectionsEnd() throws Exception {
        forkd().withChaos().withWorkers(2).start();
        try (Client other = new Client(forkd.getHost(), forkd.getClientPort())) {
            long otherPid = Long.parseLong(other.ask("pid"));
            ForkdWorker crashed = forkd.crashWorker();
            assertNotEquals(otherPid, crashed.pid(), "the crash connection got the free worker");
            log.awaitLine("\\[worker " + crashed.id() + " pid " + crashed.pid() + "\\] chaos: connection \\d+ from .* asked for a crash",
                    EVENT_TIMEOUT);
            log.awaitLine("worker " + crashed.id() + " \\(pid " + crashed.pid() + "\\) exited unexpectedly \\(exit code 1\\)", EVENT_TIMEOUT);
            assertEquals("still here", other.ask("echo still here"));
            List<ForkdWorker> after = forkd.awaitReady(EVENT_TIMEOUT);
            assertTrue(after.stream().noneMatch(w -> w.pid() == crashed.pid()), after.toString());
            assertTrue(after.stream().anyMatch(w -> w.pid() == otherPid), "the other worker was left alone: " + after);
        }
        assertEquals(1.0, forkd.metric("forkd_worker_restarts_total{reason=\"crash\"}").orElseThrow(), forkd.metrics());
    }

    @Test
    void reloadReplacesEveryWorker() throws Exception {
        forkd().withWorkers(2).start();
        Set<Integer> before = forkd.awaitReady(EVENT_TIMEOUT).stream().map(ForkdWorker::id).collect(Collectors.toSet());
        List<ForkdWorker> after = forkd.reloadAndAwait(EVENT_TIMEOUT);
        assertEquals(2, after.size());
        assertTrue(after.stream().noneMatch(w -> before.contains(w.id())), before + " -> " + after);
        assertEquals(2, forkd.status().get("restartsByReason").get("reload").asInt());
        // the plain one returns at once; forkd does the rolling restart in the background
        forkd.reload();
        forkd.awaitWorkers(ws -> ws.size() == 2 && ws.stream().allMatch(ForkdWorker::isReady)
                && ws.stream().noneMatch(w -> after.stream().anyMatch(o -> o.id() == w.id())), EVENT_TIMEOUT);
        assertEquals(1, forkd.scale(-1));
        assertEquals(1, forkd.awaitReady(EVENT_TIMEOUT).size());
    }

    @Test
    void servesAHandlerFromAJarCopiedIntoTheContainer(@TempDir Path dir) throws Exception {
        Path jar = HandlerJars.build(dir, "com.example.Shout", "package com.example;\n"
                + "import dev.forkd.api.*; import java.nio.ByteBuffer; import java.nio.charset.StandardCharsets;\n"
                + "public class Shout implements Handler {\n"
                + "  public void onMessage(Connection c, ByteBuffer m) throws Exception {\n"
                + "    String s = StandardCharsets.UTF_8.decode(m).toString().trim();\n"
                + "    c.reply(ByteBuffer.wrap((\"shout: \" + s + \"!\\n\").getBytes(StandardCharsets.UTF_8)));\n"
                + "  }\n"
                + "}\n");
        forkd().withHandlerJar(jar, "com.example.Shout").withFraming("line").withWorkers(1).start();
        try (Client c = new Client(forkd.getHost(), forkd.getClientPort())) {
            assertEquals("shout: hi!", c.ask("hi"));
        }
        assertEquals("com.example.Shout", forkd.status().get("handler").asText());
        forkd.stop();
        assertFalse(log.text().contains(forkd.getAdminToken()), "the admin token is in the container's log");

        // the same class from a directory of classes, private to this user as a temporary directory is (0700)
        Path classes = dir.resolve("classes");
        Files.setPosixFilePermissions(classes, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        forkd().withWorkerClasspath(classes).withHandler("com.example.Shout").withFraming("line").withWorkers(1).start();
        try (Client c = new Client(forkd.getHost(), forkd.getClientPort())) {
            assertEquals("shout: from a directory!", c.ask("from a directory"));
        }
    }

    @Test
    void aStartThatForkdRefusesFailsAtOnceWithForkdsReason() {
        long t0 = System.nanoTime();
        ContainerLaunchException e = assertThrows(ContainerLaunchException.class, () -> forkd().withArgs("--queue", "-5").start());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60), "not the 2-minute startup timeout");
        // Testcontainers wraps the wait's failure: the whole chain is what a user reads
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t.getMessage()).append('\n');
        }
        assertTrue(chain.toString().contains("forkd exited (code 2) before listening"), chain.toString());
        assertTrue(chain.toString().contains("--queue must be 0 or more, not -5"), "forkd's own words: " + chain);
    }
}
