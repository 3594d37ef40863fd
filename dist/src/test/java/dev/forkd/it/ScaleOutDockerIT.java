package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.MountableFile;

/**
 * README's "Running several instances", as written: HAProxy (Debian's, in a container built on
 * {@code $FORKD_BASE_IMAGE}) with {@code scripts/haproxy/forkd.cfg} in front of two forkd
 * containers, PROXY v2 with --trusted-proxy, health checks on GET /ready. Under continuous load
 * a rolling restart fails no request, and kill -9 of one instance costs only the connections it
 * held. Every container runs on the host's network, on free loopback ports picked here.
 *
 * <p>Without a Docker engine the tests are skipped; {@code FORKD_REQUIRE_DOCKER=1} makes that a failure.
 */
class ScaleOutDockerIT {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(60);
    private static final String BACKEND = "forkd";
    /** What forkd.cfg's `inter 1s fall 2` takes to see a 503, with room for a loaded machine. */
    private static final String SHUTDOWN_DELAY = "5s";
    private static final int LOAD_CLIENTS = 6;

    @TempDir
    static Path tmp;
    private static String skipReason;
    private static DockerClient docker;
    private static final List<String> images = new ArrayList<>();
    private static String forkdImage;
    private static String haproxyImage;
    private static Path handlerJar;

    @BeforeAll
    static void buildImages() throws Exception {
        boolean required = "1".equals(System.getenv("FORKD_REQUIRE_DOCKER"));
        String env = System.getenv("FORKD_BASE_IMAGE");
        String base = env == null || env.isBlank() ? "eclipse-temurin:17-jre" : env.trim();
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            skipReason = "no Docker engine answers (as root: scripts/ci/docker-up.sh starts one)";
        } else {
            docker = DockerClientFactory.instance().client();
            try {
                docker.inspectImageCmd(base).exec();
            } catch (NotFoundException e) {
                skipReason = "the base image " + base + " is not on the Docker engine (scripts/ci/docker-up.sh builds forkd-base:local)";
            }
        }
        if (skipReason != null) {
            if (required) {
                fail("FORKD_REQUIRE_DOCKER=1, but " + skipReason);
            }
            System.err.println("[ScaleOutDockerIT] skipped: " + skipReason);
            return;
        }
        String tag = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        Path dockerfile = Path.of(System.getProperty("forkd.dockerfile", "../scripts/docker/Dockerfile")).toAbsolutePath();
        forkdImage = build(new ImageFromDockerfile("forkd-scaleout-it:" + tag, false)
                .withFileFromPath("Dockerfile", dockerfile)
                .withFileFromPath("forkd.jar", ForkdProcess.jar())
                .withBuildArg("BASE_IMAGE", base));
        // Debian's (or Ubuntu's) HAProxy, as a user would apt-get it; the host's network reaches the mirror
        haproxyImage = build(new ImageFromDockerfile("forkd-scaleout-haproxy-it:" + tag, false)
                .withDockerfileFromBuilder(b -> b.from(base)
                        .user("root")
                        .run("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy"
                                + " && rm -rf /var/lib/apt/lists/* && haproxy -v")
                        .build()));
        handlerJar = HandlerJars.build(tmp, "com.example.Where", HandlerJars.WHERE);
    }

    private static String build(ImageFromDockerfile image) throws Exception {
        // no bridge network on an engine started by docker-up.sh
        image.withBuildImageCmdModifier(cmd -> cmd.withNetworkMode("host"));
        long t0 = System.nanoTime();
        String name = image.get(10, TimeUnit.MINUTES);
        images.add(name);
        System.err.printf("[ScaleOutDockerIT] built %s in %d ms%n", name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return name;
    }

    @AfterAll
    static void removeImages() {
        for (String name : images) {
            try {
                docker.removeImageCmd(name).withForce(true).exec();
            } catch (NotFoundException e) {
                // already gone
            }
        }
    }

    @BeforeEach
    void dockerOrSkip() {
        Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    }

    @Test
    void aRollingRestartUnderLoadFailsNoRequest(TestInfo info) throws Exception {
        try (Cluster cluster = new Cluster(info)) {
            try (Load load = new Load(cluster.front, LOAD_CLIENTS, Who.REQUEST)) {
                assertTrue(load.awaitMore(100, EVENT_TIMEOUT.toMillis()), "load runs: " + load.failures);
                long servedBefore = load.ok.get();
                long t0 = System.nanoTime();
                for (Instance i : List.of(cluster.a, cluster.b)) {
                    Instance other = i == cluster.a ? cluster.b : cluster.a;
                    // `docker stop`: TERM; forkd says not ready, goes on accepting for --shutdown-delay, then drains
                    docker.stopContainerCmd(i.id()).withTimeout(60).exec();
                    assertEquals(0L, docker.inspectContainerCmd(i.id()).exec().getState().getExitCodeLong(), i.log.text());
                    i.log.awaitLine("stopping: still accepting for " + SHUTDOWN_DELAY + " \\(--shutdown-delay\\) while /ready answers 503",
                            EVENT_TIMEOUT);
                    i.log.awaitLine("stopped \\(exit code 0\\)", EVENT_TIMEOUT);
                    // HAProxy took it out on its 503s, while it still accepted: not on a refused connection
                    cluster.stats.await(BACKEND, i.name, "DOWN", EVENT_TIMEOUT);
                    cluster.haproxyLog.awaitLine("Server " + BACKEND + "/" + i.name + " is DOWN, reason: Layer7 wrong status, code: 503",
                            EVENT_TIMEOUT);
                    assertEquals("UP", cluster.stats.status(BACKEND, other.name));
                    long servedByOther = other.admin().status().get("connections").get("accepted").asLong();
                    assertTrue(load.awaitMore(50, EVENT_TIMEOUT.toMillis()), "the other instance serves alone: " + load.failures);
                    assertTrue(other.admin().status().get("connections").get("accepted").asLong() >= servedByOther + 50);

                    i.start();
                    cluster.stats.await(BACKEND, i.name, "UP", START_TIMEOUT);
                    // the fresh instance takes its share again
                    i.admin().awaitStatus(s -> s.get("connections").get("accepted").asLong() >= 20, EVENT_TIMEOUT);
                }
                long restartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                long during = load.ok.get() - servedBefore;
                assertTrue(load.awaitMore(100, EVENT_TIMEOUT.toMillis()), "load goes on after the restart: " + load.failures);
                load.close();
                assertEquals(List.of(), List.copyOf(load.failures), "no request fails during a rolling restart");
                System.err.printf("[ScaleOutDockerIT] rolling restart of 2 instances in %d ms: %d requests served meanwhile by %d clients,"
                        + " %d in all, 0 failed%n", restartMs, during, LOAD_CLIENTS, load.ok.get());
            }
        }
    }

    @Test
    void killMinus9OfOneInstanceCostsOnlyTheConnectionsItHeld(TestInfo info) throws Exception {
        try (Cluster cluster = new Cluster(info)) {
            // long-lived connections, three on each instance: which instance is told by its /status
            Map<Instance, List<Client>> held = Map.of(cluster.a, new ArrayList<>(), cluster.b, new ArrayList<>());
            List<Client> opened = new ArrayList<>();
            try {
                for (int n = 0; n < 20 && (held.get(cluster.a).size() < 3 || held.get(cluster.b).size() < 3); n++) {
                    Client c = new Client(cluster.front);
                    opened.add(c);
                    assertEquals("127.0.0.1:" + c.localPort(), Who.ask(c), "the worker sees the real client, not HAProxy");
                    held.get(cluster.holderOf(c)).add(c);
                }
                assertTrue(held.get(cluster.a).size() >= 3 && held.get(cluster.b).size() >= 3, "connections on each instance: " + held);

                try (Load load = new Load(cluster.front, LOAD_CLIENTS, Who.REQUEST)) {
                    assertTrue(load.awaitMore(100, EVENT_TIMEOUT.toMillis()), "load runs: " + load.failures);
                    docker.killContainerCmd(cluster.a.id()).withSignal("KILL").exec();
                    Await.until(EVENT_TIMEOUT, "the killed container has exited",
                            () -> !docker.inspectContainerCmd(cluster.a.id()).exec().getState().getRunning());
                    long gone = System.nanoTime();
                    assertEquals(137L, docker.inspectContainerCmd(cluster.a.id()).exec().getState().getExitCodeLong());

                    for (Client c : held.get(cluster.a)) {
                        try {
                            fail("a connection the killed instance held goes on: " + c.localPort() + " got " + Who.ask(c) + "; held " + ports(held));
                        } catch (IOException expected) {
                            // the connection ended with its instance
                        }
                    }
                    for (Client c : held.get(cluster.b)) {
                        assertEquals("127.0.0.1:" + c.localPort(), Who.ask(c), "a connection on the other instance goes on");
                    }
                    cluster.stats.await(BACKEND, "a", "DOWN", EVENT_TIMEOUT);
                    assertTrue(load.awaitMore(200, EVENT_TIMEOUT.toMillis()), "new requests go to the other instance: " + load.failures);
                    load.close();
                    List<Load.Failure> failed = List.copyOf(load.failures);
                    // each load client had at most one request in flight when the instance died
                    assertTrue(failed.size() <= load.clients(), "at most one failure per client: " + failed);
                    for (Load.Failure f : failed) {
                        assertTrue(f.startedNanos() - gone < 0, "only requests that began before the instance was gone fail: " + f);
                    }
                    System.err.printf("[ScaleOutDockerIT] kill -9 of one instance: %d held connections on it ended, %d on the other went"
                            + " on; %d load requests in flight failed, %d served%n", held.get(cluster.a).size(), held.get(cluster.b).size(),
                            failed.size(), load.ok.get());
                }
            } finally {
                for (Client c : opened) {
                    c.close();
                }
            }
        }
    }

    /** HAProxy and two forkd instances, a and b, on free loopback ports; each instance's containers in turn. */
    private static final class Cluster implements AutoCloseable {
        final int front = freePort();
        final HaproxyStats stats;
        final Instance a;
        final Instance b;
        private final GenericContainer<?> haproxy;
        final ContainerLog haproxyLog;

        Cluster(TestInfo info) throws Exception {
            String test = info.getTestMethod().orElseThrow().getName();
            a = new Instance("a", test);
            b = new Instance("b", test);
            int statsPort = freePort();
            stats = new HaproxyStats(statsPort);
            haproxyLog = new ContainerLog("scaleout-" + test + "-haproxy");
            haproxy = new GenericContainer<>(haproxyImage)
                    .withNetworkMode("host")
                    .withCopyFileToContainer(MountableFile.forHostPath(Path.of("../scripts/haproxy/forkd.cfg").toAbsolutePath(), 0644),
                            "/etc/haproxy/forkd.cfg")
                    .withEnv(Map.of("FORKD_FRONTEND", "127.0.0.1:" + front, "HAPROXY_STATS", "127.0.0.1:" + statsPort,
                            "FORKD_A", "127.0.0.1:" + a.port, "FORKD_A_ADMIN_PORT", Integer.toString(a.adminPort),
                            "FORKD_B", "127.0.0.1:" + b.port, "FORKD_B_ADMIN_PORT", Integer.toString(b.adminPort)))
                    .withCommand("haproxy", "-db", "-f", "/etc/haproxy/forkd.cfg")
                    .withLogConsumer(haproxyLog);
            try {
                a.start();
                b.start();
                haproxy.start();
                stats.await(BACKEND, "a", "UP", START_TIMEOUT);
                stats.await(BACKEND, "b", "UP", START_TIMEOUT);
            } catch (Exception | AssertionError e) {
                close();
                throw e;
            }
        }

        /** The instance whose /status lists this client among a worker's connections. */
        Instance holderOf(Client c) throws Exception {
            String me = "127.0.0.1:" + c.localPort();
            for (Instance i : List.of(a, b)) {
                for (JsonNode w : i.admin().status().get("workers")) {
                    for (JsonNode client : w.get("clients")) {
                        if (client.asText().equals(me)) {
                            return i;
                        }
                    }
                }
            }
            throw new AssertionError("no instance lists " + me + " among its workers' clients");
        }

        @Override
        public void close() {
            haproxy.stop();
            haproxyLog.close();
            a.close();
            b.close();
        }
    }

    /** One forkd instance: its ports stay, its container is replaced on a restart. */
    private static final class Instance implements AutoCloseable {
        final String name;
        final int port = freePort();
        final int adminPort = freePort();
        private final String test;
        private int generation;
        private GenericContainer<?> container;
        ContainerLog log;

        Instance(String name, String test) throws IOException {
            this.name = name;
            this.test = test;
        }

        /** A fresh container on this instance's ports, started once forkd says it listens. */
        void start() throws IOException {
            if (container != null) {
                container.stop();
                log.close();
            }
            log = new ContainerLog("scaleout-" + test + "-" + name + "-" + ++generation);
            container = new GenericContainer<>(forkdImage)
                    .withNetworkMode("host")
                    .withCopyFileToContainer(MountableFile.forHostPath(handlerJar, 0644), "/opt/handler/where.jar")
                    .withCommand("--host", "127.0.0.1", "--port", Integer.toString(port), "--admin", "127.0.0.1:" + adminPort,
                            "--model", "threaded", "--workers", "2", "--framing", "line",
                            "--handler", "com.example.Where", "--worker-classpath", "/opt/handler/where.jar",
                            "--accept-proxy", "--trusted-proxy", "127.0.0.1", "--shutdown-delay", SHUTDOWN_DELAY)
                    .withLogConsumer(log)
                    .waitingFor(Wait.forLogMessage("(?s).*listening on .*", 1).withStartupTimeout(START_TIMEOUT));
            container.start();
        }

        String id() {
            return container.getContainerId();
        }

        Admin admin() {
            return new Admin("http://127.0.0.1:" + adminPort);
        }

        @Override
        public void close() {
            if (container != null) {
                container.stop();
                log.close();
            }
        }

        @Override
        public String toString() {
            return name;
        }

    }

    /** A container's output, kept to wait for lines and copied to target/it-logs/scaleout-NAME.log. */
    private static String ports(Map<Instance, List<Client>> held) {
        StringBuilder sb = new StringBuilder();
        held.forEach((i, cs) -> sb.append(i.name).append('=').append(cs.stream().map(Client::localPort).toList()).append(' '));
        return sb.toString().trim();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
