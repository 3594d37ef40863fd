package dev.forkd.supervisor.relay;

import dev.forkd.supervisor.common.Addresses;
import dev.forkd.supervisor.common.Buffers;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.common.Transport;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.dispatch.Dispatcher.OpenResult;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Opens a client's stream to its worker without blocking anyone: a Unix-socket channel registered
 * on the client's event loop, connected, checked (the peer must be the worker we launched), then
 * sent the PROXY v2 header. Only then is the open STARTED; a worker that fails any step before a
 * byte of the client's went to it is WORKER_UNREACHABLE.
 */
final class WorkerStreamOpener {
    private static final Logger LOG = LogManager.getLogger(WorkerStreamOpener.class);

    private final RateLimitedLog openFailures = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private final Transport transport;
    private final Buffers buffers;
    private final Relay.PeerCheck peerCheck;

    WorkerStreamOpener(Transport transport, Buffers buffers, Relay.PeerCheck peerCheck) {
        this.transport = transport;
        this.buffers = buffers;
        this.peerCheck = peerCheck;
    }

    /** @param done told once, on the client's event loop unless the open failed at once: the result, and the worker's channel when STARTED */
    void open(Dispatcher.Target target, AcceptedClient accepted, InetSocketAddress source, InetSocketAddress destination,
            BiConsumer<OpenResult, Channel> done) {
        Channel worker;
        try {
            worker = transport.newWorkerStream();
        } catch (IOException e) {
            // our own failure (EMFILE), not the worker's: blaming the worker would take it out of service
            openFailures.log("cannot open a stream to a worker ({}); closing the connection from {}", e.toString(), Addresses.format(source));
            Dispatcher.closeQuietly(accepted);
            done.accept(OpenResult.CLIENT_GONE, null);
            return;
        }
        buffers.configure(worker.config());
        // a failed write to the worker must not close its channel: what it sent still goes to the client
        worker.config().setOption(ChannelOption.AUTO_CLOSE, false);
        accepted.channel.eventLoop().register(worker).addListener((ChannelFuture reg) -> {
            if (!reg.isSuccess()) {
                openFailures.log("cannot register a stream to a worker ({}); closing the connection from {}", reg.cause().toString(),
                        Addresses.format(source));
                worker.close();
                Dispatcher.closeQuietly(accepted);
                done.accept(OpenResult.CLIENT_GONE, null);
                return;
            }
            worker.connect(transport.workerAddress(target.socket())).addListener((ChannelFuture c) -> {
                if (!c.isSuccess()) {
                    LOG.debug("stream to worker {} failed: {}", target.id(), c.cause().toString());
                    worker.close();
                    done.accept(OpenResult.WORKER_UNREACHABLE, null);
                    return;
                }
                connected(target, accepted, worker, source, destination, done);
            });
        });
    }

    private void connected(Dispatcher.Target target, AcceptedClient accepted, Channel worker, InetSocketAddress source,
            InetSocketAddress destination, BiConsumer<OpenResult, Channel> done) {
        if (!peerCheck.trusted(target, worker)) {
            // not the worker we launched: not a byte of the client's (not even the PROXY header) goes there
            worker.close();
            done.accept(OpenResult.WORKER_UNREACHABLE, null);
            return;
        }
        worker.pipeline().addLast(HAProxyMessageEncoder.INSTANCE);
        ChannelFuture header = worker.writeAndFlush(WorkerProxyHeader.of(source, destination, accepted.workerTlvs()));
        // encoded already (we are on the channel's loop): the relay writes bytes from here on
        worker.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
        header.addListener((ChannelFuture h) -> {
            if (!h.isSuccess()) {
                LOG.debug("stream to worker {} failed: {}", target.id(), h.cause().toString());
                worker.close();
                done.accept(OpenResult.WORKER_UNREACHABLE, null);
            } else if (!accepted.channel.isActive()) {
                worker.close();
                done.accept(OpenResult.CLIENT_GONE, null);
            } else {
                done.accept(OpenResult.STARTED, worker);
            }
        });
    }
}
