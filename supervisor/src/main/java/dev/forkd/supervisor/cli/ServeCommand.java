package dev.forkd.supervisor.cli;

import dev.forkd.shared.ExitCodes;
import dev.forkd.supervisor.relay.KeepAlive;
import dev.forkd.supervisor.Model;
import dev.forkd.supervisor.ServeConfig;
import dev.forkd.supervisor.Supervisor;
import dev.forkd.supervisor.launch.WorkerJit;
import dev.forkd.supervisor.listen.Cidr;
import dev.forkd.shared.WorkerContract;
import dev.forkd.shared.framing.Framing;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

@Command(name = "serve",
        mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = ExitCodes.USAGE,
        exitCodeOnExecutionException = ExitCodes.INTERNAL,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        abbreviateSynopsis = true,
        usageHelpWidth = 100,
        description = {
            "Listen on TCP and relay each connection to a pool of worker JVMs.",
            "Once every worker is ready, logs one line `listening on HOST:PORT`.",
            "Signals: TERM/INT stop gracefully (a second one stops at once); HUP replaces every worker,",
            "one at a time (a rolling restart), and re-reads the --tls-* files; TTIN/TTOU add/remove one worker.",
            ""
        },
        footer = {
            "",
            "Durations need their unit: 500ms, 10s, 2m, 1h (a bare 0 is 0).  Sizes: 512, 64KiB, 1MiB.",
            "Exit codes: 0 stopped, 2 bad command line, 3 workers cannot boot,",
            "4 bad configuration (e.g. port in use), 70 internal error or restart intensity exceeded."
        })
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "${env:FORKD_HOST:-127.0.0.1}",
            description = "Address to listen on (IPv4 or IPv6). Default: $FORKD_HOST, else 127.0.0.1 (here: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8888", description = "TCP port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = {"-b", "--bind"}, paramLabel = "HOST:PORT",
            description = "Host and port together, as gunicorn's -b: 0.0.0.0:8000, [::1]:8000, or :8000 for the default host. Not with --host or --port.")
    String bind;

    @Option(names = "--backlog", paramLabel = "N", defaultValue = "128", description = "Kernel accept backlog. Default: ${DEFAULT-VALUE}.")
    int backlog;

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "prefork", converter = Converters.ModelConverter.class,
            description = "Server model: iterative, prefork, threaded, evented, fork-per-connection. Default: ${DEFAULT-VALUE}.")
    Model model;

    @Option(names = {"-w", "--workers"}, paramLabel = "N", description = "Worker processes. Default: 2 x processors (1 for iterative).")
    Integer workers;

    @Option(names = "--connections-per-worker", paramLabel = "C",
            description = "Connections one worker serves at once. Default: 1 (" + Model.THREADED_DEFAULT_CONNECTIONS + " for threaded, "
                    + Model.EVENTED_DEFAULT_CONNECTIONS + " for evented).")
    Integer connectionsPerWorker;

    @Option(names = "--handler", paramLabel = "NAME", defaultValue = "upper",
            description = "upper, echo, reverse, http-hello, sha256, json, chat (a chat room across every worker), chaos (needs --enable-chaos), or a class implementing dev.forkd.api.Handler or dev.forkd.api.StreamHandler (not with --model evented). Default: ${DEFAULT-VALUE}.")
    String handler;

    @Option(names = "--chat-history", paramLabel = "N", defaultValue = "20",
            description = "Messages of each chat room (publish/subscribe topic) the supervisor keeps and replays to a member who joins. Default: ${DEFAULT-VALUE}.")
    int chatHistory;

    @Option(names = "--chat-outbox", paramLabel = "N", defaultValue = "256",
            description = "Deliveries (chat messages, published messages) a connection may have waiting to be written; past it the connection is closed"
                    + " and its room told it left as slow. Default: ${DEFAULT-VALUE}.")
    int chatOutbox;

    @Option(names = "--enable-chaos",
            description = "Allow --handler chaos, whose commands let any client crash, hang, exit or exhaust workers: for crash-isolation experiments, never for service. Off by default.")
    boolean enableChaos;

    @Option(names = "--framing", paramLabel = "FRAMING", defaultValue = "raw", converter = Converters.FramingConverter.class,
            description = "How workers cut the byte stream into messages: raw (each read), line (\\n), length (4-byte big-endian prefix), fixed (N-byte records), json (consecutive JSON values; replies as NDJSON). Default: ${DEFAULT-VALUE}.")
    Framing framing;

    @Option(names = "--max-frame", paramLabel = "SIZE", defaultValue = "1MiB", converter = Converters.SizeConverter.class,
            description = "Largest message in line, length and json framing; larger gets an error and a closed connection. Default: ${DEFAULT-VALUE}.")
    int maxFrame;

    @Option(names = "--fixed-size", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
            description = "Record size for --framing fixed.")
    Integer fixedSize;

    @Option(names = "--heartbeat-timeout", paramLabel = "DURATION", defaultValue = "90s", converter = Converters.DurationConverter.class,
            description = "Close a framed connection that sent no message (pings count) for this long; 0 = never. Default: ${DEFAULT-VALUE}.")
    Duration heartbeatTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "5m", converter = Converters.DurationConverter.class,
            description = "Close a connection with no byte in either direction for this long; 0 = never. Default: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    @Option(names = "--keepalive", description = "Turn on TCP keepalive for client connections.")
    boolean keepalive;

    @Option(names = "--keepalive-idle", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "With --keepalive: idle time before the first probe (system default if not given).")
    Duration keepaliveIdle;

    @Option(names = "--keepalive-interval", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "With --keepalive: time between probes.")
    Duration keepaliveInterval;

    @Option(names = "--keepalive-count", paramLabel = "N", description = "With --keepalive: unanswered probes before the connection is dropped.")
    Integer keepaliveCount;

    @Option(names = "--worker-classpath", paramLabel = "PATH",
            description = "Jars or directories (':'-separated) holding a user --handler class.")
    String workerClasspath;

    @Option(names = "--recycle-after", paramLabel = "K",
            description = "Replace a worker after it has taken K connections (0 = never; 1 in fork-per-connection). Default: 0.")
    Long recycleAfter;

    @Option(names = "--recycle-jitter", paramLabel = "J", defaultValue = "0",
            description = "Add 0..J to each worker's --recycle-after, so that workers are not all recycled at once. Default: ${DEFAULT-VALUE}.")
    long recycleJitter;

    @Option(names = "--spares", paramLabel = "S",
            description = "fork-per-connection: warm workers kept ready so that no client waits for a JVM boot. Default: the worker count.")
    Integer spares;

    @Option(names = "--worker-jvm-opt", paramLabel = "OPTION",
            description = "An extra JVM option for the workers, e.g. -Xmx64m (repeatable).")
    List<String> workerJvmOptions = new ArrayList<>();

    @Option(names = "--worker-jit", paramLabel = "JIT", defaultValue = "auto", converter = Converters.WorkerJitConverter.class,
            description = "The workers' JIT: fast (C1 only: the quickest boot), full (tiered, C1 and C2: the fastest long-lived code), "
                    + "or auto: fast when each worker serves one connection (fork-per-connection, --recycle-after 1), full otherwise. Default: ${DEFAULT-VALUE}.")
    WorkerJit workerJit;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "Serve /status, /metrics and the /workers endpoints there (off by default), e.g. 127.0.0.1:9901.")
    String admin;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
            description = "Connections (relayed and queued) at once; more are closed at once. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--max-per-ip", paramLabel = "N", defaultValue = "0",
            description = "Connections at once from one client address; 0 = no limit. Default: ${DEFAULT-VALUE}.")
    int maxPerIp;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "The admin endpoint's POST requests need `Authorization: Bearer <token>`, the token read from this file. "
                    + "Without it forkd makes a random token and writes it where `forkd reload|scale` run by the same user find it (see the README).")
    Path adminTokenFile;

    @Option(names = "--accept-proxy",
            description = "Each client connection starts with a PROXY protocol v1 or v2 header (from HAProxy, nginx, a cloud load balancer); the address in it is the client's.")
    boolean acceptProxy;

    @Option(names = "--trusted-proxy", paramLabel = "CIDR",
            description = "With --accept-proxy: an address range whose PROXY headers are believed (repeatable). Default: 127.0.0.0/8 and ::1/128.")
    List<String> trustedProxies = new ArrayList<>();

    @Option(names = "--first-data-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "A connection gets a worker when its first bytes arrive; one that sends nothing for this long is closed. Default: ${DEFAULT-VALUE}.")
    Duration firstDataTimeout;

    @Option(names = "--handler-speaks-first",
            description = "The handler writes before the client does (a greeting): give each connection a worker at once instead of at its first bytes.")
    boolean handlerSpeaksFirst;

    @Option(names = "--min-rate", paramLabel = "RATE", converter = Converters.RateConverter.class,
            description = "Close a connection holding a worker that moves less than RATE x 10 s (e.g. 100B/s: 1000 bytes, either way) "
                    + "in a 10 s window; the first window starts when it gets its worker. Off by default.")
    Long minRate;

    @Option(names = "--max-workers", paramLabel = "N",
            description = "The most workers `forkd scale` or TTIN may ask for. Default: 4 x --workers, at most what memory allows at the worker heap size.")
    Integer maxWorkers;

    @Option(names = "--buffer-size", paramLabel = "SIZE", defaultValue = "4096", converter = Converters.SizeConverter.class,
            description = "Read buffer per connection in the workers; the relay reads up to this much, and at least 64 KiB, at once. Default: ${DEFAULT-VALUE}.")
    int bufferSize;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "256",
            description = "Accepted connections that may wait for a free worker; past that, stop accepting. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Option(names = "--queue-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "Longest wait in the queue before the connection is closed. Default: ${DEFAULT-VALUE}.")
    Duration queueTimeout;

    @Option(names = "--graceful-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Converters.DurationConverter.class,
            description = "On TERM, how long live and queued connections may take to finish. Default: ${DEFAULT-VALUE}.")
    Duration gracefulTimeout;

    @Option(names = "--shutdown-delay", paramLabel = "DURATION", defaultValue = "0s", converter = Converters.DurationConverter.class,
            description = "On TERM, how long forkd goes on accepting while GET /ready on the admin endpoint answers 503, so that a "
                    + "load balancer's health check takes it out first; then the graceful stop. A second TERM skips it. Default: ${DEFAULT-VALUE}.")
    Duration shutdownDelay;

    @Option(names = "--max-restarts", paramLabel = "N", defaultValue = "10",
            description = "More worker restarts than this within --restart-window: exit 70. Default: ${DEFAULT-VALUE}.")
    int maxRestarts;

    @Option(names = "--restart-window", paramLabel = "DURATION", defaultValue = "60s", converter = Converters.DurationConverter.class,
            description = "The window for --max-restarts. Default: ${DEFAULT-VALUE}.")
    Duration restartWindow;

    @Option(names = "--worker-heartbeat", paramLabel = "DURATION", defaultValue = "1s", converter = Converters.DurationConverter.class,
            description = "How often the supervisor pings each worker on its control channel. Default: ${DEFAULT-VALUE}.")
    Duration workerHeartbeat;

    @Option(names = "--worker-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "A worker that has not answered a ping for this long is killed and replaced. Default: ${DEFAULT-VALUE}.")
    Duration workerTimeout;

    @Option(names = "--runtime-dir", paramLabel = "DIR",
            description = "Directory for the worker sockets. Default: $RUNTIME_DIRECTORY, else $XDG_RUNTIME_DIR/forkd-PID, else /tmp/forkd-PID-RANDOM.")
    Path runtimeDir;

    @Mixin
    TlsOptions tls = new TlsOptions();

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text, or json (one object per line, for journald and log shippers). Default: ${DEFAULT-VALUE}.")
    String logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "INFO", description = "TRACE, DEBUG, INFO, WARN or ERROR. Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Override
    public Integer call() {
        ServeConfig config = resolve();
        if (logFormat.equals("json")) {
            Configurator.reconfigure(java.net.URI.create("classpath:log4j2-json.properties"));
        }
        Configurator.setRootLevel(Level.toLevel(config.logLevel()));
        return new Supervisor(config).run();
    }

    /** Applies the model preset, then the explicit knobs; rejects what cannot work (exit 2). */
    public ServeConfig resolve() {
        int processors = Runtime.getRuntime().availableProcessors();
        int w = workers != null ? workers : model.defaultWorkers(processors);
        int c = connectionsPerWorker != null ? connectionsPerWorker : model.defaultConnectionsPerWorker();
        String h = host;
        int p = port;
        if (bind != null) {
            require(!given("--host") && !given("--port"), "-b/--bind sets the host and the port together: leave out --host and --port");
            try {
                InetSocketAddress a = HostPort.parse(bind, host);
                h = a.getHostString();
                p = a.getPort();
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "-b/--bind: " + e.getMessage());
            }
        }
        require(p >= 0 && p <= 65535, "--port must be between 0 and 65535, not " + p);
        require(backlog >= 1, "--backlog must be at least 1, not " + backlog);
        require(w >= 1, "--workers must be at least 1, not " + w);
        require(c >= 1, "--connections-per-worker must be at least 1, not " + c);
        require(c == 1 || model.manyPerWorker,
                "--connections-per-worker " + c + " needs --model threaded or evented (in " + model + " a worker serves one connection at a time)");
        require(bufferSize >= 64, "--buffer-size must be at least 64 bytes, not " + bufferSize);
        require(queue >= 0, "--queue must be 0 or more, not " + queue);
        require(maxRestarts >= 0, "--max-restarts must be 0 or more, not " + maxRestarts);
        require(!queueTimeout.isZero(), "--queue-timeout must be more than 0");
        require(!restartWindow.isZero(), "--restart-window must be more than 0");
        require(!workerHeartbeat.isZero(), "--worker-heartbeat must be more than 0");
        require(workerTimeout.compareTo(workerHeartbeat) > 0, "--worker-timeout must be longer than --worker-heartbeat");
        require(WorkerContract.isBuiltInHandler(handler) || WorkerContract.looksLikeClassName(handler),
                "unknown handler '" + handler + "' (choose from " + String.join(", ", WorkerContract.BUILT_IN_HANDLERS)
                        + ", or name a class implementing dev.forkd.api.Handler or StreamHandler)");
        require(model != Model.FORK_PER_CONNECTION || recycleAfter == null || recycleAfter == 1,
                "fork-per-connection recycles every worker after one connection; --recycle-after must be 1 or left out");
        long recycle = model == Model.FORK_PER_CONNECTION ? 1 : recycleAfter == null ? 0 : recycleAfter;
        require(recycle >= 0, "--recycle-after must be 0 or more, not " + recycle);
        require(recycleJitter >= 0, "--recycle-jitter must be 0 or more, not " + recycleJitter);
        require(spares == null || model == Model.FORK_PER_CONNECTION, "--spares goes with --model fork-per-connection");
        int spareCount = model == Model.FORK_PER_CONNECTION ? (spares != null ? spares : w) : 0;
        require(model != Model.FORK_PER_CONNECTION || spareCount >= 1, "--spares must be at least 1");
        InetSocketAddress adminAddress = null;
        if (admin != null) {
            try {
                adminAddress = HostPort.parse(admin, "127.0.0.1");
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--admin: " + e.getMessage());
            }
        }
        require(maxConnections >= 1, "--max-connections must be at least 1, not " + maxConnections);
        require(maxPerIp >= 0, "--max-per-ip must be 0 (no limit) or more, not " + maxPerIp);
        require(adminTokenFile == null || admin != null, "--admin-token-file goes with --admin");
        boolean chaos = handler.equals(WorkerContract.CHAOS_HANDLER);
        require(!chaos || enableChaos, "--handler chaos needs --enable-chaos: it lets any client crash workers");
        // chaos reads one command per line: line framing unless the user asked for another, which is refused
        Framing f = chaos && !given("--framing") ? Framing.LINE : framing;
        require(!chaos || f == Framing.LINE,
                "--handler chaos reads one command per line: use --framing line (or leave --framing out), not " + f.name().toLowerCase(Locale.ROOT));
        require(maxFrame >= 1, "--max-frame must be at least 1 byte");
        require(f != Framing.FIXED || fixedSize != null, "--framing fixed needs --fixed-size");
        require(fixedSize == null || fixedSize >= 1, "--fixed-size must be at least 1 byte");
        require(fixedSize == null || f == Framing.FIXED, "--fixed-size goes with --framing fixed");
        require(!handler.equals("http-hello") || f == Framing.RAW, "--handler http-hello speaks HTTP itself: use --framing raw");
        boolean compute = handler.equals("sha256") || handler.equals("json");
        require(!compute || f != Framing.RAW, "--handler " + handler + " works on whole messages: use --framing length, line or fixed, not raw");
        require(keepalive || (keepaliveIdle == null && keepaliveInterval == null && keepaliveCount == null),
                "--keepalive-idle, --keepalive-interval and --keepalive-count go with --keepalive");
        require(keepaliveIdle == null || keepaliveIdle.toSeconds() >= 1, "--keepalive-idle must be at least 1s");
        require(keepaliveInterval == null || keepaliveInterval.toSeconds() >= 1, "--keepalive-interval must be at least 1s");
        require(keepaliveCount == null || keepaliveCount >= 1, "--keepalive-count must be at least 1");
        require(chatHistory >= 0 && chatHistory <= 10_000, "--chat-history must be between 0 and 10000, not " + chatHistory);
        require(chatOutbox >= 1, "--chat-outbox must be at least 1, not " + chatOutbox);
        require(!handler.equals("chat") || f == Framing.LINE || f == Framing.JSON,
                "--handler chat reads one JSON object per message: use --framing json or line, not " + f.name().toLowerCase(Locale.ROOT));
        require(logFormat.equals("text") || logFormat.equals("json"), "--log-format must be text or json, not " + logFormat);
        require(!firstDataTimeout.isZero(), "--first-data-timeout must be more than 0");
        require(minRate == null || minRate >= 1, "--min-rate must be at least 1B/s");
        require(trustedProxies.isEmpty() || acceptProxy, "--trusted-proxy goes with --accept-proxy");
        for (String range : trustedProxies) {
            try {
                Cidr.parse(range);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--trusted-proxy: " + e.getMessage());
            }
        }
        workerJit.conflict(workerJvmOptions).ifPresent(why -> require(false, why));
        int cap = maxWorkers != null ? maxWorkers
                : WorkerCap.defaultCap(Math.max(w, spareCount), WorkerCap.totalMemory(), WorkerCap.workerHeap(workerJvmOptions));
        require(cap >= Math.max(w, spareCount), "--max-workers must be at least the worker count (" + Math.max(w, spareCount) + "), not " + cap);
        String level = logLevel.toUpperCase(Locale.ROOT);
        require(level.matches("TRACE|DEBUG|INFO|WARN|ERROR"), "--log-level must be TRACE, DEBUG, INFO, WARN or ERROR, not " + logLevel);
        return new ServeConfig(h, p, backlog, model, w, c, handler, bufferSize, queue, queueTimeout,
                gracefulTimeout, shutdownDelay, maxRestarts, restartWindow, runtimeDir, level, workerHeartbeat, workerTimeout,
                f, maxFrame, fixedSize == null ? 0 : fixedSize, heartbeatTimeout, idleTimeout,
                keepalive ? new KeepAlive(true, keepaliveIdle, keepaliveInterval, keepaliveCount) : KeepAlive.off(),
                workerClasspath, recycle, recycleJitter, spareCount, adminAddress, List.copyOf(workerJvmOptions), workerJit,
                maxConnections, maxPerIp, adminTokenFile, acceptProxy, enableChaos,
                cap, trustedProxies.isEmpty() ? List.of("127.0.0.0/8", "::1/128") : List.copyOf(trustedProxies),
                firstDataTimeout, handlerSpeaksFirst, minRate == null ? 0 : minRate, tls.resolve(spec.commandLine()),
                chatHistory, chatOutbox);
    }

    /** Whether the command line named {@code option}, as opposed to leaving it at its default. */
    private boolean given(String option) {
        ParseResult parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
