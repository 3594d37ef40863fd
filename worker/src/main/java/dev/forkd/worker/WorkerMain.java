package dev.forkd.worker;

import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.ExitCodes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import dev.forkd.shared.framing.Framing;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A worker JVM, started by the supervisor (never by hand): binds its Unix socket, reports
 * {@code ready} on the control channel, then serves relayed connections with one handler.
 * Exit codes: 0 when told to stop or drained, 3 when it cannot boot.
 */
@Command(name = "forkd-worker", mixinStandardHelpOptions = true,
        description = "A forkd worker process; started by `forkd serve`, not by hand.")
public final class WorkerMain implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(WorkerMain.class);

    @Option(names = "--id", required = true, description = "Worker id given by the supervisor.")
    int id;

    @Option(names = "--socket", required = true, description = "Unix socket path to listen on.")
    Path socket;

    @Option(names = "--control", required = true, description = "The supervisor's control socket.")
    Path control;

    @Option(names = "--handler", defaultValue = "upper",
            description = "upper, echo, reverse, http-hello, chaos (needs --enable-chaos), or a class implementing dev.forkd.worker.Handler.")
    String handler;

    @Option(names = "--enable-chaos", description = "Allow the chaos handler, whose commands crash, hang or exhaust this worker.")
    boolean enableChaos;

    @Option(names = "--threaded", description = "A thread per connection (the threaded model).")
    boolean threaded;

    @Option(names = "--buffer-size", defaultValue = "4096", description = "Read buffer per connection, bytes.")
    int bufferSize;

    @Option(names = "--framing", defaultValue = "raw", description = "raw, line, length or fixed.")
    String framing;

    @Option(names = "--max-frame", defaultValue = "1048576", description = "Largest frame, bytes.")
    int maxFrame;

    @Option(names = "--fixed-size", defaultValue = "0", description = "Record size for fixed framing, bytes.")
    int fixedSize;

    @Option(names = "--heartbeat-timeout-ms", defaultValue = "0", description = "Close a framed connection silent this long; 0 = never.")
    long heartbeatTimeoutMs;

    @Option(names = "--worker-classpath", description = "Jars or directories for user handlers, separated by ':'.")
    String workerClasspath;

    public static void main(String[] args) {
        int code = new CommandLine(new WorkerMain()).execute(args);
        WorkerExit.now(code);
    }

    @Override
    public Integer call() {
        long pid = ProcessHandle.current().pid();
        WorkerServer server;
        ControlClient controlClient;
        try {
            Supplier<Handler> handlers = HandlerFactory.forName(handler, UserClassPath.loader(workerClasspath), enableChaos);
            Protocol protocol = new Protocol(Framing.parse(framing), maxFrame, fixedSize, bufferSize,
                    TimeUnit.MILLISECONDS.toNanos(heartbeatTimeoutMs));
            server = new WorkerServer(socket, handlers, threaded, protocol);
            server.bind();
            controlClient = ControlClient.connect(control);
        } catch (BootException e) {
            LOG.error("cannot boot: {}", e.getMessage());
            return ExitCodes.BOOT_FAILURE;
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("cannot boot: {}", e.toString());
            return ExitCodes.BOOT_FAILURE;
        }
        server.startHeartbeatWatchdog();
        controlClient.start(new ControlClient.Listener() {
            @Override
            public void onDrain() {
                LOG.info("draining: no new connections; exiting when the live ones end");
                server.drain();
            }

            @Override
            public void onStop() {
                LOG.info("told to stop; exiting");
                WorkerExit.now(ExitCodes.OK);
            }
        });
        try {
            controlClient.send(ControlMessage.ready(id, pid));
        } catch (IOException e) {
            LOG.error("cannot report ready: {}", e.toString());
            return ExitCodes.BOOT_FAILURE;
        }
        LOG.debug("ready on {} with handler {}{}", socket, handler, threaded ? " (threaded)" : "");
        server.serve();
        try {
            server.awaitIdle();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("drained; exiting");
        return ExitCodes.OK;
    }
}
