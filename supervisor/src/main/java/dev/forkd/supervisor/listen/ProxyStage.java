package dev.forkd.supervisor.listen;

import dev.forkd.shared.Durations;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * --accept-proxy: takes the upstream proxy's header from Netty's decoder (in front of it), counts
 * the client it declares, and tells the {@link FirstDataStage}. A connection without a valid
 * header within the timeout is closed and counted; the proxy's own LOCAL and UNKNOWN connections
 * declare no client (the peer is the client).
 */
final class ProxyStage extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(ProxyStage.class);
    private static final RateLimitedLog BAD_HEADERS = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);

    private final AcceptedClient client;
    private final ClientPipeline.Sink sink;
    private final DispatchStats stats;
    private final long timeoutNanos;
    private final FirstDataStage next;
    private ScheduledFuture<?> timer;
    private boolean done;

    ProxyStage(AcceptedClient client, ClientPipeline.Sink sink, DispatchStats stats, Duration timeout, FirstDataStage next) {
        this.client = client;
        this.sink = sink;
        this.stats = stats;
        this.timeoutNanos = timeout.toNanos();
        this.next = next;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> reject(ctx, "no complete PROXY header within " + Durations.format(Duration.ofNanos(timeoutNanos))),
                timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HAProxyMessage m = (HAProxyMessage) msg;
        InetSocketAddress source;
        InetSocketAddress destination;
        try {
            boolean declares = m.command() == HAProxyCommand.PROXY && (m.proxiedProtocol() == HAProxyProxiedProtocol.TCP4
                    || m.proxiedProtocol() == HAProxyProxiedProtocol.TCP6);
            source = declares ? address(m.sourceAddress(), m.sourcePort()) : null;
            destination = declares ? address(m.destinationAddress(), m.destinationPort()) : null;
        } finally {
            m.release();
        }
        done = true;
        timer.cancel(false);
        ctx.pipeline().remove(this);
        if (!sink.admitDeclared(client, source)) {
            return; // refused and closed for it
        }
        next.headerDone(source, destination);
    }

    private static InetSocketAddress address(String literal, int port) {
        // a literal the decoder has validated: no name lookup
        return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(literal), port);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !done) {
            reject(ctx, "it closed before its PROXY header was complete");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException) {
            reject(ctx, "no valid PROXY header (" + cause.getMessage() + ")");
        } else {
            LOG.debug("before its PROXY header: {}", cause.toString());
            drop(ctx);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        drop(ctx);
        ctx.fireChannelInactive();
    }

    private void reject(ChannelHandlerContext ctx, String why) {
        if (done) {
            return;
        }
        stats.badProxyHeader.increment();
        BAD_HEADERS.log("closed a connection from {}: {}", ctx.channel().remoteAddress(), why);
        drop(ctx);
    }

    private void drop(ChannelHandlerContext ctx) {
        if (done) {
            return;
        }
        done = true;
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.close();
        next.dropped();
    }
}
