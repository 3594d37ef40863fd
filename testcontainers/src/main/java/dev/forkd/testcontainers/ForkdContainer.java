package dev.forkd.testcontainers;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.model.HealthCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * forkd in a container, for integration tests, as {@code PostgreSQLContainer} serves Postgres users:
 *
 * <pre>{@code
 * try (ForkdContainer forkd = new ForkdContainer("forkd:local").withHandler("upper").withFraming("line").withWorkers(2)) {
 *     forkd.start();                                   // returns once forkd logs "listening on"
 *     Socket s = new Socket(forkd.getHost(), forkd.getClientPort());
 *     forkd.killWorker(forkd.workers().get(0).id());  // crash isolation: only that worker's connections end
 * }
 * }</pre>
 *
 * <p>By default forkd listens on Docker's bridge network, its ports exposed and mapped
 * ({@link #getHost()}, {@link #getClientPort()}, {@link #getAdminPort()}). {@link #withHostNetwork()}
 * runs it on the host's network instead, bound to 127.0.0.1 on free ports (for engines without a
 * bridge network, as in forkd's own CI). The admin endpoint is always on: the container makes a
 * random token, gives it to forkd as a file readable by forkd's user alone, and sends it with every
 * POST ({@link #killWorker}, {@link #reload}, {@link #scale}); it is never logged.
 *
 * <p>Defaults differ from {@code forkd serve}'s in one way: 2 workers, not 2 per processor, so that
 * a test starts quickly anywhere. Everything else is forkd's (prefork, handler {@code upper},
 * framing {@code raw}); {@link #withArgs} passes any other {@code forkd serve} option.
 */
public class ForkdContainer extends GenericContainer<ForkdContainer> {
    /** The image name this container is for; other names need {@code asCompatibleSubstituteFor("forkd")}. */
    public static final DockerImageName DEFAULT_IMAGE_NAME = DockerImageName.parse("forkd");
    /** forkd's port inside the container on the bridge network. */
    public static final int CLIENT_PORT = 8888;
    /** The admin endpoint's port inside the container on the bridge network (the image's healthcheck asks it). */
    public static final int ADMIN_PORT = 9901;
    /** Where the token file goes; forkd reads it at start. */
    static final String TOKEN_PATH = "/opt/forkd/testcontainers/admin.token";
    static final String LIB_DIR = "/opt/forkd/testcontainers/lib/";
    static final int DEFAULT_WORKERS = 2;
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
    /** For a crash's connection to end: forkd's worker halts at once, this is only a bound. */
    private static final Duration CRASH_TIMEOUT = Duration.ofSeconds(30);

    private final ServeArgs args = new ServeArgs();
    private final AdminToken token = AdminToken.generate();
    private boolean hostNetwork;
    /** Host network: the ports asked for (0: pick a free one at start) and then the ones in use. */
    private int clientPort;
    private int adminPort;
    private int jars;
    private boolean configured;

    /** {@code image}: forkd's image, e.g. {@code forkd:local} as scripts/docker/build-image.sh tags it. */
    public ForkdContainer(String image) {
        this(DockerImageName.parse(image));
    }

    public ForkdContainer(DockerImageName image) {
        super(image);
        image.assertCompatibleWith(DEFAULT_IMAGE_NAME);
        args.setDefault("--workers", Integer.toString(DEFAULT_WORKERS));
        waitingFor(new ListeningWait().withStartupTimeout(STARTUP_TIMEOUT));
    }

    // ---- configuration ------------------------------------------------------------------------

    /** {@code --model}: prefork (forkd's default), threaded, evented, iterative, fork-per-connection. */
    public ForkdContainer withModel(String model) {
        args.set("--model", model);
        return self();
    }

    /** {@code --handler}: a built-in (upper, echo, reverse, http-hello, sha256, json, chat) or a class on the worker classpath. */
    public ForkdContainer withHandler(String handler) {
        args.set("--handler", handler);
        return self();
    }

    /** {@code --framing}: raw (forkd's default), line, length, fixed (with {@code withArgs("--fixed-size", N)}), json. */
    public ForkdContainer withFraming(String framing) {
        args.set("--framing", framing);
        return self();
    }

    /** {@code --workers}; 2 unless set. */
    public ForkdContainer withWorkers(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, not " + workers);
        }
        args.set("--workers", Integer.toString(workers));
        return self();
    }

    /** Copies {@code jar} into the container and serves {@code handlerClass} from it (with {@link #withWorkerClasspath} for libraries it needs). */
    public ForkdContainer withHandlerJar(Path jar, String handlerClass) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no handler jar at " + jar.toAbsolutePath());
        }
        addToClasspath(jar);
        args.set("--handler", handlerClass);
        return self();
    }

    /** Copies a jar or a directory of classes into the container and adds it to {@code --worker-classpath}. */
    public ForkdContainer withWorkerClasspath(Path jarOrDirectory) {
        if (!Files.exists(jarOrDirectory)) {
            throw new IllegalArgumentException("no such file or directory: " + jarOrDirectory.toAbsolutePath());
        }
        addToClasspath(jarOrDirectory);
        return self();
    }

    private void addToClasspath(Path p) {
        String target = LIB_DIR + (++jars) + "-" + p.getFileName();
        // readable by forkd's user: the copies belong to root in the container, and a directory's own mode
        // (0700 for a temporary one) would hide its classes; a forced mode applies to everything under it
        withCopyFileToContainer(MountableFile.forHostPath(p, Files.isDirectory(p) ? 0755 : 0644), target);
        args.addClasspath(target);
    }

    /**
     * forkd's chaos handler ({@code --handler chaos --enable-chaos}, line framing): each connection
     * can crash, hang or exit its worker, and {@link #crashWorker()} does. For crash-isolation tests;
     * it replaces the handler.
     */
    public ForkdContainer withChaos() {
        args.chaos();
        return self();
    }

    /** More {@code forkd serve} options, e.g. {@code withArgs("--connections-per-worker", "8", "--idle-timeout", "30s")}. */
    public ForkdContainer withArgs(String... serveArgs) {
        args.extra(serveArgs);
        return self();
    }

    /** JVM options for forkd's supervisor ({@code FORKD_JAVA_OPTS}, e.g. {@code -Xmx512m}); workers take {@code --worker-jvm-opt}. */
    public ForkdContainer withJavaOptions(String options) {
        return withEnv("FORKD_JAVA_OPTS", options);
    }

    /** On the host's network, bound to 127.0.0.1, on two loopback ports free when the container starts. */
    public ForkdContainer withHostNetwork() {
        return withHostNetwork(0, 0);
    }

    /** On the host's network, bound to 127.0.0.1 on these ports (0: a free one). */
    public ForkdContainer withHostNetwork(int clientPort, int adminPort) {
        if (clientPort < 0 || clientPort > 65535 || adminPort < 0 || adminPort > 65535 || (clientPort != 0 && clientPort == adminPort)) {
            throw new IllegalArgumentException("ports must be 0 (any free one) or 1-65535, and not the same: " + clientPort + ", " + adminPort);
        }
        this.hostNetwork = true;
        this.clientPort = clientPort;
        this.adminPort = adminPort;
        return self();
    }

    @Override
    protected void configure() {
        String host;
        int port;
        String admin;
        if (hostNetwork) {
            int[] ports = FreePorts.loopback(clientPort, adminPort);
            clientPort = ports[0];
            adminPort = ports[1];
            setNetworkMode("host");
            setExposedPorts(List.of());
            host = "127.0.0.1";
            port = clientPort;
            admin = "127.0.0.1:" + adminPort;
            logger().info("forkd on the host's network: clients on 127.0.0.1:{}, admin endpoint on 127.0.0.1:{}", clientPort, adminPort);
        } else {
            setExposedPorts(List.of(CLIENT_PORT, ADMIN_PORT));
            host = "0.0.0.0";
            port = CLIENT_PORT;
            admin = "0.0.0.0:" + ADMIN_PORT;
        }
        setCommand(args.command(host, port, admin, TOKEN_PATH).toArray(new String[0]));
        if (!configured) {
            configured = true;
            ImageUser user = imageUser();
            withCopyToContainer(token.file(user.uid(), user.gid()), TOKEN_PATH);
            // the image's healthcheck asks 127.0.0.1:9901; here the admin endpoint is elsewhere
            withCreateContainerCmdModifier(cmd -> {
                if (hostNetwork) {
                    cmd.withHealthcheck(healthcheck("127.0.0.1:" + adminPort));
                }
            });
        }
    }

    /** The image's own HEALTHCHECK (the jar's `forkd status`), pointed at {@code admin}. */
    static HealthCheck healthcheck(String admin) {
        return new HealthCheck()
                .withTest(List.of("CMD", "java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar",
                        "/opt/forkd/forkd.jar", "status", "--admin", admin))
                .withInterval(TimeUnit.SECONDS.toNanos(30))
                .withTimeout(TimeUnit.SECONDS.toNanos(10))
                .withStartPeriod(TimeUnit.SECONDS.toNanos(60))
                .withRetries(3);
    }

    /** The user the image runs forkd as: the token file is given to it, readable by it alone. */
    private ImageUser imageUser() {
        String spec;
        try {
            InspectImageResponse image = DockerClientFactory.instance().client().inspectImageCmd(getDockerImageName()).exec();
            spec = image.getConfig() == null ? null : image.getConfig().getUser();
        } catch (RuntimeException e) {
            logger().warn("cannot read the user of image {} ({}); giving the admin token file to uid {}, forkd's image's",
                    getDockerImageName(), e.toString(), ImageUser.FORKD.uid());
            return ImageUser.FORKD;
        }
        ImageUser user = ImageUser.parse(spec);
        if (user == null) {
            logger().warn("image {} runs as '{}', a name; giving the admin token file to uid {}, forkd's image's",
                    getDockerImageName(), spec, ImageUser.FORKD.uid());
            return ImageUser.FORKD;
        }
        return user;
    }

    // ---- addresses ----------------------------------------------------------------------------

    /** On the host's network, 127.0.0.1 (what forkd binds); else Testcontainers' host for mapped ports. */
    @Override
    public String getHost() {
        return hostNetwork ? "127.0.0.1" : super.getHost();
    }

    /** The port clients connect to on {@link #getHost()}. */
    public int getClientPort() {
        return hostNetwork ? started(clientPort) : getMappedPort(CLIENT_PORT);
    }

    /** The admin endpoint's port on {@link #getHost()}: {@code GET /status} and {@code /metrics} need no token. */
    public int getAdminPort() {
        return hostNetwork ? started(adminPort) : getMappedPort(ADMIN_PORT);
    }

    /** {@code http://HOST:PORT} of the admin endpoint. */
    public String getAdminUrl() {
        return "http://" + getHost() + ":" + getAdminPort();
    }

    /** The bearer token POSTs need, for a test that calls the admin endpoint itself. */
    public String getAdminToken() {
        return token.value();
    }

    private int started(int port) {
        if (port == 0) {
            throw new IllegalStateException("the ports are chosen when the container starts: call start() first");
        }
        return port;
    }

    // ---- admin endpoint -----------------------------------------------------------------------

    /** forkd's {@code GET /status}: pid, model, connections, restarts by reason, and each worker. */
    public JsonNode status() {
        return admin().status();
    }

    /** The workers as {@link #status()} lists them. */
    public List<ForkdWorker> workers() {
        return ForkdWorker.listFrom(status());
    }

    /** The process ids of the workers, in the container's pid namespace (for {@code execInContainer("kill", ...)}). */
    public List<Long> workerPids() {
        return workers().stream().map(ForkdWorker::pid).collect(Collectors.toList());
    }

    /** forkd's {@code GET /metrics}, Prometheus' text format. */
    public String metrics() {
        return admin().metrics();
    }

    /** One sample of {@link #metrics()}, e.g. {@code metric("forkd_worker_restarts_total{reason=\"crash\"}")}; empty if absent. */
    public OptionalDouble metric(String series) {
        return MetricsText.sample(metrics(), series);
    }

    /** Kills worker {@code id} with SIGKILL, as a crash would end it, taking its connections; returns the clients it held. forkd replaces it. */
    public List<String> killWorker(int id) {
        return admin().kill(id, "KILL");
    }

    /**
     * Sends worker {@code id} SIGTERM: its JVM runs its shutdown hooks and exits (a worker does not
     * drain on TERM), so its connections end too; returns the clients it held. forkd replaces it.
     */
    public List<String> terminateWorker(int id) {
        return admin().kill(id, "TERM");
    }

    /**
     * Crashes one worker through the chaos handler ({@link #withChaos()}): a new connection asks its
     * worker to halt (exit code 1), as a crashing handler would. Returns that worker as it was; it is
     * gone when this returns, its replacement follows ({@link #awaitReady}).
     */
    public ForkdWorker crashWorker() {
        if (!args.chaosEnabled()) {
            throw new IllegalStateException("crashWorker() needs the chaos handler: withChaos(); or killWorker(id) for any handler");
        }
        ForkdWorker[] victim = new ForkdWorker[1];
        ChaosCrash.crashOne(getHost(), getClientPort(), CRASH_TIMEOUT, pid -> victim[0] = workers().stream()
                .filter(w -> w.pid() == pid).findFirst()
                .orElseThrow(() -> new IllegalStateException("the chaos handler's pid " + pid + " is none of forkd's workers")));
        return victim[0];
    }

    /** A rolling restart of every worker ({@code POST /workers/reload}, as {@code kill -HUP}); returns at once. */
    public void reload() {
        admin().reload();
    }

    /** {@link #reload()}, then waits until every worker is a new one and ready; returns them. */
    public List<ForkdWorker> reloadAndAwait(Duration timeout) {
        ForkdAdmin admin = admin();
        Set<Integer> old = ForkdWorker.listFrom(admin.status()).stream().map(ForkdWorker::id).collect(Collectors.toSet());
        admin.reload();
        return ForkdWorker.listFrom(admin.awaitStatus(s -> ForkdAdmin.allReady(s) && ForkdWorker.listFrom(s).stream().noneMatch(w -> old.contains(w.id())),
                timeout, "every worker replaced by the reload"));
    }

    /** Adds ({@code delta > 0}) or removes workers; returns the new target. */
    public int scale(int delta) {
        return admin().scale(delta);
    }

    /** Waits until forkd has its target number of workers, all ready (after a kill, a crash, a scale); returns them. */
    public List<ForkdWorker> awaitReady(Duration timeout) {
        return ForkdWorker.listFrom(admin().awaitStatus(ForkdAdmin::allReady, timeout, "every worker ready"));
    }

    /** Waits until {@code condition} holds for the workers; returns them. */
    public List<ForkdWorker> awaitWorkers(Predicate<List<ForkdWorker>> condition, Duration timeout) {
        return ForkdWorker.listFrom(admin().awaitStatus(s -> condition.test(ForkdWorker.listFrom(s)), timeout, "the workers' condition"));
    }

    private ForkdAdmin admin() {
        return new ForkdAdmin(new AdminHttp(getHost(), getAdminPort(), adminHostHeader(hostNetwork, adminPort), token),
                this::isRunning, this::getLogs);
    }

    /**
     * The Host header forkd's admin endpoint accepts (its guard wants the address it bound). Host
     * network: 127.0.0.1 and the port it bound there. Bridge: forkd bound 0.0.0.0:9901 in the
     * container, for which a loopback literal with that port is its own; the port Docker mapped it to
     * on the host is not.
     */
    static String adminHostHeader(boolean hostNetwork, int hostAdminPort) {
        return "127.0.0.1:" + (hostNetwork ? hostAdminPort : ADMIN_PORT);
    }
}
