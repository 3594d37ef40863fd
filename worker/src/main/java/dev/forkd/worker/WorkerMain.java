package dev.forkd.worker;

import dev.forkd.worker.common.Protocol;
import dev.forkd.worker.common.WorkerExit;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.worker.pubsub.BrokerClient;
import dev.forkd.worker.pubsub.PubSub;
import dev.forkd.api.Handler;
import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.ExitCodes;
import dev.forkd.shared.WorkerContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import dev.forkd.shared.framing.Framing;

/**
 * A worker JVM, started by the supervisor (never by hand): binds its Unix socket, reports
 * {@code ready} on the control channel, then serves relayed connections with one handler.
 * Exit codes: 0 when told to stop or drained, 3 when it cannot boot.
 */
public final class WorkerMain implements Callable<Integer> {

    static final String USAGE = "usage: forkd-worker --id N --socket PATH --control PATH [--handler NAME] [--threaded|--evented]"
            + " [--buffer-size BYTES] [--framing raw|line|length|fixed|json] [--max-frame BYTES] [--fixed-size BYTES]"
            + " [--heartbeat-timeout-ms MS] [--outbox N] [--worker-classpath PATHS] [--enable-chaos] [--handler-speaks-first] [--train]\n"
            + "A forkd worker process; started by `forkd serve`, not by hand.";

    int id;
    Path socket;
    Path control;
    String handler = "upper";
    boolean enableChaos;
    /** The supervisor was told the handler speaks first, and hands connections over before their first bytes. */
    boolean handlerSpeaksFirst;
    boolean threaded;
    boolean evented;
    int bufferSize = 4096;
    String framing = "raw";
    int maxFrame = 1048576;
    int fixedSize;
    long heartbeatTimeoutMs;
    String workerClasspath;
    boolean train;
    /** Deliveries a connection may have waiting before it is dropped as slow (serve --chat-outbox). */
    int outbox = 256;

    public static void main(String[] args) {
        int code;
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(USAGE);
            code = ExitCodes.OK;
        } else {
            WorkerMain w;
            try {
                w = parse(args);
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                System.err.println(USAGE);
                WorkerExit.now(ExitCodes.USAGE);
                return;
            }
            if (w.train) {
                // exit, not halt: a JVM started with -XX:ArchiveClassesAtExit writes its archive on exit
                code = WorkerTraining.run(w);
                WorkerLog.flush();
                System.exit(code);
            }
            code = w.call();
        }
        WorkerExit.now(code);
    }

    /**
     * The options of {@link WorkerContract}, as the supervisor writes them: {@code --name value}
     * pairs and two flags. A hand-written parser rather than picocli's reflection: this runs in
     * every worker's boot, where each millisecond counts (a client may be waiting for a spare).
     *
     * @throws IllegalArgumentException for an unknown option, a missing or bad value, or a missing required option
     */
    static WorkerMain parse(String[] args) {
        WorkerMain w = new WorkerMain();
        boolean hasId = false;
        for (int i = 0; i < args.length; i++) {
            String opt = args[i];
            if (opt.equals(WorkerContract.OPT_THREADED)) {
                w.threaded = true;
                continue;
            }
            if (opt.equals(WorkerContract.OPT_EVENTED)) {
                w.evented = true;
                continue;
            }
            if (opt.equals(WorkerContract.OPT_ENABLE_CHAOS)) {
                w.enableChaos = true;
                continue;
            }
            if (opt.equals(WorkerContract.OPT_HANDLER_SPEAKS_FIRST)) {
                w.handlerSpeaksFirst = true;
                continue;
            }
            if (opt.equals(WorkerContract.OPT_TRAIN)) {
                w.train = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + opt);
            }
            String v = args[++i];
            switch (opt) {
                case WorkerContract.OPT_ID:
                    w.id = number(opt, v);
                    hasId = true;
                    break;
                case WorkerContract.OPT_SOCKET:
                    w.socket = Path.of(v);
                    break;
                case WorkerContract.OPT_CONTROL:
                    w.control = Path.of(v);
                    break;
                case WorkerContract.OPT_HANDLER:
                    w.handler = v;
                    break;
                case WorkerContract.OPT_BUFFER_SIZE:
                    w.bufferSize = number(opt, v);
                    break;
                case WorkerContract.OPT_FRAMING:
                    w.framing = v;
                    break;
                case WorkerContract.OPT_MAX_FRAME:
                    w.maxFrame = number(opt, v);
                    break;
                case WorkerContract.OPT_FIXED_SIZE:
                    w.fixedSize = number(opt, v);
                    break;
                case WorkerContract.OPT_HEARTBEAT_TIMEOUT_MS:
                    try {
                        w.heartbeatTimeoutMs = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("bad value for " + opt + ": " + v);
                    }
                    break;
                case WorkerContract.OPT_OUTBOX:
                    w.outbox = number(opt, v);
                    break;
                case WorkerContract.OPT_WORKER_CLASSPATH:
                    w.workerClasspath = v;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + opt);
            }
        }
        if (w.threaded && w.evented) {
            throw new IllegalArgumentException(WorkerContract.OPT_THREADED + " and " + WorkerContract.OPT_EVENTED + " exclude each other");
        }
        if (w.train) {
            return w; // it makes its own sockets
        }
        if (!hasId || w.socket == null || w.control == null) {
            throw new IllegalArgumentException("missing required option(s): " + WorkerContract.OPT_ID + ", " + WorkerContract.OPT_SOCKET
                    + " and " + WorkerContract.OPT_CONTROL + " are required");
        }
        return w;
    }

    private static int number(String opt, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad value for " + opt + ": " + v);
        }
    }

    /** A bound worker socket and a connected control channel: a worker that has booted, not yet ready. */
    static final class Booted {
        final WorkerServer server;
        final ControlClient control;

        Booted(WorkerServer server, ControlClient control) {
            this.server = server;
            this.control = control;
        }
    }

    /** @throws BootException, IOException or IllegalArgumentException when this worker cannot boot */
    Booted boot() throws BootException, IOException {
        Protocol protocol = new Protocol(Framing.parse(framing), maxFrame, fixedSize, bufferSize,
                TimeUnit.MILLISECONDS.toNanos(heartbeatTimeoutMs));
        Handlers handlers = HandlerFactory.load(handler, UserClassPath.loader(workerClasspath), enableChaos, protocol.framing());
        handlers.requireServable(handler, connectionModel(), protocol);
        warnIfSpeaksFirstUntold(handlers.speaksFirst());
        WorkerServer server = new WorkerServer(socket, handlers, connectionModel(), protocol);
        BrokerClient broker = new BrokerClient(BrokerClient.socketBeside(control), id, ProcessHandle.current().pid());
        server.pubSub(new PubSub(broker, Math.max(1, outbox)));
        server.bind();
        if (connectionModel() == ConnectionModel.EVENT_LOOP && "chat".equals(handler)) {
            // every chat connection subscribes: connect now, not on the loop thread at the first join
            broker.linkEarly();
        }
        return new Booted(server, ControlClient.connect(control));
    }

    ConnectionModel connectionModel() {
        return evented ? ConnectionModel.EVENT_LOOP : threaded ? ConnectionModel.THREAD_PER_CONNECTION : ConnectionModel.ONE_AT_A_TIME;
    }

    /**
     * A handler that writes first would wait for a client that waits for it: the supervisor holds
     * each connection until its first bytes unless told otherwise, and cannot ask the handler itself.
     */
    void warnIfSpeaksFirstUntold(boolean speaksFirst) {
        if (speaksFirst && !handlerSpeaksFirst) {
            WorkerLog.warn("handler {} speaks first, but forkd was not started with {}: a client that waits for its greeting"
                    + " gets no worker until it sends something; restart forkd with {}", handler,
                    WorkerContract.OPT_HANDLER_SPEAKS_FIRST, WorkerContract.OPT_HANDLER_SPEAKS_FIRST);
        }
    }

    @Override
    public Integer call() {
        long pid = ProcessHandle.current().pid();
        WorkerServer server;
        ControlClient controlClient;
        try {
            Booted b = boot();
            server = b.server;
            controlClient = b.control;
        } catch (BootException e) {
            WorkerLog.error("cannot boot: {}", e.getMessage());
            return ExitCodes.BOOT_FAILURE;
        } catch (IOException | IllegalArgumentException e) {
            WorkerLog.error("cannot boot: {}", e.toString());
            return ExitCodes.BOOT_FAILURE;
        }
        server.startHeartbeatWatchdog();
        controlClient.start(new ControlClient.Listener() {
            @Override
            public void onDrain() {
                WorkerLog.info("draining: no new connections; exiting when the live ones end");
                server.drain();
            }

            @Override
            public void onStop() {
                WorkerLog.info("told to stop; exiting");
                WorkerExit.now(ExitCodes.OK);
            }
        });
        try {
            controlClient.send(ControlMessage.ready(id, pid));
        } catch (IOException e) {
            WorkerLog.error("cannot report ready: {}", e.toString());
            return ExitCodes.BOOT_FAILURE;
        }
        WorkerLog.debug("ready on {} with handler {} ({})", socket, handler, connectionModel());
        server.serve();
        try {
            server.awaitIdle();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WorkerLog.info("drained; exiting");
        return ExitCodes.OK;
    }
}
