package dev.forkd.supervisor;

import dev.forkd.shared.ExitCodes;
import dev.forkd.supervisor.admin.AdminServer;
import dev.forkd.supervisor.admin.Metrics;
import dev.forkd.supervisor.common.Addresses;
import dev.forkd.supervisor.common.Buffers;
import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.Transport;
import dev.forkd.supervisor.control.ControlServer;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.launch.LaunchSettings;
import dev.forkd.supervisor.launch.WorkerClassArchive;
import dev.forkd.supervisor.launch.WorkerLauncher;
import dev.forkd.supervisor.listen.Admission;
import dev.forkd.supervisor.listen.Cidr;
import dev.forkd.supervisor.listen.ClientPipeline;
import dev.forkd.supervisor.listen.Listener;
import dev.forkd.supervisor.listen.TlsStage;
import dev.forkd.supervisor.broker.BrokerServer;
import dev.forkd.supervisor.control.ControlServer;
import dev.forkd.supervisor.pool.WorkerState;
import dev.forkd.supervisor.launch.WorkerClassArchive;
import dev.forkd.supervisor.launch.LaunchSettings;
import dev.forkd.supervisor.launch.WorkerLauncher;
import dev.forkd.supervisor.pool.PoolDispatch;
import dev.forkd.supervisor.pool.RuntimeDirRecovery;
import dev.forkd.supervisor.pool.WorkerPool;
import dev.forkd.supervisor.pool.WorkerProcess;
import dev.forkd.supervisor.proxy.TlsFacts;
import dev.forkd.supervisor.proxy.TlsTlvs;
import dev.forkd.supervisor.relay.ClientSocketOptions;
import dev.forkd.supervisor.relay.Relay;
import dev.forkd.supervisor.rundir.RuntimeDirectory;
import dev.forkd.supervisor.rundir.SocketOwner;
import dev.forkd.supervisor.tls.ChannelTls;
import dev.forkd.supervisor.tls.TlsConfigException;
import dev.forkd.supervisor.tls.TlsTerminator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.handler.ssl.SslCompletionEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The parts of `forkd serve`, each built on the ones before it and added to {@link Parts} as it
 * starts holding something, so that a failure at any step closes exactly what was started, in
 * reverse. The order of the additions is the stop order read backwards: the event loops stop
 * last, after every part that has channels on them; the dispatcher (its
 * queue) before the pool; the pool's workers before the control socket they talk on. Nothing
 * here accepts a client or launches a worker: {@link Supervisor} does, once it is built.
 */
final class Assembly {
    private static final Logger LOG = LogManager.getLogger(Assembly.class);

    /** A part could not start; what went wrong is logged already. */
    static final class StartFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        StartFailure(int exitCode) {
            super(null, null, false, false);
            this.exitCode = exitCode;
        }
    }

    final Listener listener;
    final ScheduledExecutorService poolThread;
    final MemoryBudget budget;
    final Admission admission;
    final Relay<WorkerProcess> relay;
    final Dispatcher<WorkerProcess> dispatcher;
    final WorkerLauncher launcher;
    final WorkerPool pool;
    /** Null without --admin. */
    final AdminServer admin;
    /**
     * Null without --tls-cert. The client pipeline's handler after the PROXY decoder is
     * {@code tls::newHandler}; after its SslHandshakeCompletionEvent, {@code ChannelTls.of(channel)}.
     */
    final TlsTerminator tls;
    final EventLoopGroup loops;
    final Buffers buffers;
    private final ServeConfig config;
    private final DispatchStats stats;

    /**
     * Builds and starts every part but the listener's accepting, the pool's workers and the admin
     * endpoint's serving, adding each to {@code parts}.
     *
     * @param reloadComplete told when a rolling restart has replaced every worker
     */
    Assembly(ServeConfig config, RuntimeDirectory dir, Parts parts, WorkerPool.Fatal fatal, Runnable reloadComplete)
            throws StartFailure {
        // first: a certificate that cannot be used stops forkd before it binds a port or starts a worker
        tls = tls(config);
        this.config = config;
        Transport transport = Transport.get();
        EventLoopGroup g = transport.group(relayThreads(), "data");
        loops = parts.add("event loops", g, () -> g.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).await(5000));
        Listener l = listen(config, g, transport);
        listener = parts.add("listener", l, l::close);
        ScheduledExecutorService timer = FatalErrors.scheduler("dispatch-timer");
        parts.add("dispatch timer", timer, timer::shutdownNow);
        poolThread = FatalErrors.scheduler("pool");
        parts.add("pool thread", poolThread, poolThread::shutdownNow);
        stats = new DispatchStats();
        budget = MemoryBudget.fromHeap();
        buffers = new Buffers(budget, Relay.chunkSize(config.bufferSize()));
        HeapReport.log(budget);
        admission = new Admission(config.maxConnections(), config.maxPerIp(),
                config.acceptProxy() ? Cidr.parseAll(config.trustedProxies()) : null);
        try {
            relay = new Relay<>(transport, buffers, config.idleTimeout().toNanos(), config.minRateBytesPerSecond(),
                    new ClientSocketOptions(config.keepAlive()), stats, WorkerPeerCheck.ofThisProcess(new SocketOwner()));
        } catch (IOException e) {
            LOG.error("cannot read this process's credentials: {}", e.toString());
            throw new StartFailure(ExitCodes.INTERNAL);
        }
        parts.add("relay", relay, relay::shutdown);
        dispatcher = new Dispatcher<>(config.queueBound(), config.queueTimeout(), timer, relay, stats);
        dispatcher.onDropped(c -> {
            admission.release(c);
            c.handedOver();
        });
        Metrics metrics = new Metrics(stats, dispatcher, admission);
        metrics.relay(budget, relay.tooSlow);
        metrics.buffers(buffers);
        if (tls != null) {
            metrics.tls(tls::handshakes, tls::handshakeFailures);
        }
        Path controlSocket = dir.controlSocket();
        LaunchSettings launchSettings = PartSettings.launch(config);
        WorkerClassArchive archive = WorkerLauncher.archiveFor(launchSettings);
        // once, at INFO: a deployment without a usable cache directory starts its workers slower, and says so
        archive.announce();
        WorkerLauncher.announce(launchSettings);
        launcher = new WorkerLauncher(launchSettings, controlSocket, archive);
        pool = new WorkerPool(PartSettings.pool(config), dir, launcher, PoolDispatch.of(dispatcher), poolThread, fatal, new WorkerPool.PoolEvents() {
            @Override
            public void spawnedToReady(long nanos) {
                metrics.spawnedToReady(nanos);
            }

            @Override
            public void reloadComplete() {
                reloadComplete.run();
            }
        });
        metrics.pool(pool::snapshot, pool.restarts());
        if (config.admin() != null) {
            AdminServer a = admin(config, dir, stats, metrics);
            if (tls != null) {
                a.onReload(tls::reload);
            }
            admin = parts.add("admin endpoint", a, a::stop);
        } else {
            admin = null;
        }
        BrokerServer broker = broker(config, dir);
        parts.add("broker", broker, broker::close);
        ControlServer control = control(controlSocket, broker);
        parts.add("control socket", control, control::close);
        parts.add("class archive", launcher, launcher::stop);
        parts.add("pool", pool, pool::stopAll);
        parts.add("dispatcher", dispatcher, dispatcher::close);
        relay.start(new Relay.Events<>() {
            @Override
            public void onStarted(WorkerProcess w) {
                pool.onRelayStarted(w);
            }

            @Override
            public void onWorkerDone(WorkerProcess w, boolean workerEndedFirst, boolean workerSideEnded) {
                pool.onWorkerDone(w, workerEndedFirst, workerSideEnded, () -> dispatcher.release(w));
            }

            @Override
            public void onClosed(AcceptedClient c) {
                admission.release(c);
            }
        });
    }

    private static TlsTerminator tls(ServeConfig config) throws StartFailure {
        try {
            return TlsTerminator.start(config.tls());
        } catch (TlsConfigException e) {
            LOG.error("{}", e.getMessage());
            throw new StartFailure(ExitCodes.CONFIG);
        }
    }

    private static Listener listen(ServeConfig config, EventLoopGroup loops, Transport transport) throws StartFailure {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            LOG.error("cannot resolve --host {}", config.host());
            throw new StartFailure(ExitCodes.CONFIG);
        }
        try {
            Listener listener = Listener.inherited(loops, transport);
            if (listener != null) {
                LOG.info("using the listening socket passed on standard input (socket activation); --host and --port are not used");
                return listener;
            }
            return Listener.bind(address, config.backlog(), loops, transport);
        } catch (IOException e) {
            // Netty's native bind errors are IOExceptions saying "bind(..) failed: Address already in use"
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("in use")) {
                LOG.error("port {} is already in use", config.port());
            } else {
                LOG.error("cannot listen on {}:{}: {}", config.host(), config.port(), msg);
            }
            throw new StartFailure(ExitCodes.CONFIG);
        }
    }

    private AdminServer admin(ServeConfig config, RuntimeDirectory dir, DispatchStats stats, Metrics metrics) throws StartFailure {
        try {
            AdminServer a = new AdminServer(config.admin(), PartSettings.admin(config), dir.path(), pool, dispatcher, stats, metrics);
            a.showBudget(budget);
            a.showBuffers(buffers);
            if (tls != null) {
                a.showTls(tls::handshakes, tls::handshakeFailures);
            }
            a.showClients(relay::clientsOf);
            return a;
        } catch (IOException e) {
            LOG.error("cannot serve the admin endpoint on {}: {}", Addresses.format(config.admin()),
                    e instanceof java.net.BindException ? "address already in use" : e.getMessage());
            throw new StartFailure(ExitCodes.CONFIG);
        }
    }

    /** The publish/subscribe broker; a link is accepted only from a live worker of this pool. */
    private BrokerServer broker(ServeConfig config, RuntimeDirectory dir) throws StartFailure {
        Path socket = BrokerServer.socketIn(dir.path());
        try {
            BrokerServer b = new BrokerServer(socket, (id, pid) -> pool.workers().stream()
                    .anyMatch(w -> w.id == id && w.pid == pid && w.state != WorkerState.EXITED), PartSettings.broker(config));
            b.start();
            return b;
        } catch (IOException e) {
            LOG.error("cannot open the broker socket {}: {}", socket, e.toString());
            throw new StartFailure(ExitCodes.INTERNAL);
        }
    }

    /** The control socket; the pool moves it, and the broker's beside it, when the runtime directory is lost. */
    private ControlServer control(Path controlSocket, BrokerServer broker) throws StartFailure {
        ControlServer control;
        try {
            control = new ControlServer(controlSocket, pool);
            control.start();
        } catch (IOException e) {
            LOG.error("cannot open the control socket {}: {}", controlSocket, e.toString());
            throw new StartFailure(ExitCodes.INTERNAL);
        }
        pool.controlSocket(new RuntimeDirRecovery.ControlSocket() {
            @Override
            public boolean restoreIfGone() throws IOException {
                boolean restored = control.restoreIfGone();
                broker.restoreIfGone();
                return restored;
            }

            @Override
            public void moveTo(Path path) throws IOException {
                control.moveTo(path);
                broker.moveTo(BrokerServer.socketIn(path.getParent()));
            }
        });
        return control;
    }

    /** Accepts clients; each admitted one goes through its pipeline's stages to the dispatcher. */
    void startAccepting() {
        ClientPipeline pipeline = new ClientPipeline(
                new ClientPipeline.Settings(config.acceptProxy(), config.handlerSpeaksFirst(), config.firstDataTimeout()),
                admission, buffers, stats, new ClientPipeline.Sink() {
                    @Override
                    public boolean admitDeclared(AcceptedClient client, InetSocketAddress declared) {
                        return admission.admitDeclared(client, declared == null ? null : declared.getAddress());
                    }

                    @Override
                    public void ready(AcceptedClient client) {
                        dispatcher.submit(client);
                    }

                    @Override
                    public void closed(AcceptedClient client) {
                        admission.release(client);
                    }
                }, tls == null ? null : tlsStage(tls));
        listener.start(pipeline, dispatcher, budget, Relay.chunkSize(config.bufferSize()));
    }

    /** The terminator as the client pipeline takes it; the worker learns a handshake's facts as PROXY v2 TLVs. */
    private static TlsStage tlsStage(TlsTerminator tls) {
        return new TlsStage() {
            @Override
            public ChannelHandler newHandler() {
                return tls.newHandler();
            }

            @Override
            public void handshakeDone(SslCompletionEvent event, Channel channel) {
                tls.handshakeDone(event, channel.remoteAddress());
            }

            @Override
            public Supplier<List<HAProxyTLV>> workerTlvs(Channel channel) {
                TlsFacts facts = ChannelTls.of(channel);
                return facts == null ? List::of : () -> TlsTlvs.of(facts);
            }
        };
    }

    private static int relayThreads() {
        return Integer.getInteger("forkd.relayThreads", Runtime.getRuntime().availableProcessors());
    }
}
