package dev.forkd.supervisor.listen;

import dev.forkd.supervisor.common.Buffers;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Where each accepted client's pipeline is assembled, in this order: admission; with
 * --accept-proxy the PROXY header ({@link ProxyV2Limit}, Netty's decoder, {@link ProxyStage});
 * the handler from {@code afterProxy} if there is one (TLS: dispatch then waits for its
 * handshake); the {@link FirstDataStage}, which hands the client on. The relay adds itself last.
 */
public final class ClientPipeline extends ChannelInitializer<Channel> {
    /** Where the stages send a client. */
    public interface Sink {
        /**
         * --accept-proxy: the header declared this client (null for the proxy's own LOCAL or
         * UNKNOWN connections). Returns false if the connection was refused for it (and closed).
         */
        boolean admitDeclared(AcceptedClient client, InetSocketAddress declared);

        /** The connection is ready for a worker. */
        void ready(AcceptedClient client);

        /** The connection was closed before a worker (bad header, timeout, shutdown, reset). */
        void closed(AcceptedClient client);
    }

    /** What the pipeline is built from. */
    public record Settings(boolean acceptProxy, boolean speaksFirst, Duration firstDataTimeout) {
    }

    private final Settings settings;
    private final Admission admission;
    private final Buffers buffers;
    private final DispatchStats stats;
    private final Sink sink;
    /** Null, or makes the handler that goes after the PROXY header (TLS); it may return null for none. */
    private final Supplier<ChannelHandler> afterProxy;

    public ClientPipeline(Settings settings, Admission admission, Buffers buffers, DispatchStats stats, Sink sink,
            Supplier<ChannelHandler> afterProxy) {
        this.settings = settings;
        this.admission = admission;
        this.buffers = buffers;
        this.stats = stats;
        this.sink = sink;
        this.afterProxy = afterProxy;
    }

    @Override
    protected void initChannel(Channel ch) {
        buffers.configure(ch.config());
        AcceptedClient client = new AcceptedClient(ch);
        if (!admission.admit(client)) {
            return; // closed for a limit
        }
        assemble(ch.pipeline(), client);
    }

    /** The stages for an admitted client. */
    void assemble(ChannelPipeline p, AcceptedClient client) {
        ChannelHandler after = afterProxy == null ? null : afterProxy.get();
        FirstDataStage first = new FirstDataStage(client, sink, stats, buffers.budget(), settings.speaksFirst(),
                settings.firstDataTimeout(), settings.acceptProxy(), after != null);
        if (settings.acceptProxy()) {
            p.addLast("proxy-limit", new ProxyV2Limit());
            p.addLast("proxy-decoder", new HAProxyMessageDecoder());
            p.addLast("proxy", new ProxyStage(client, sink, stats, settings.firstDataTimeout(), first));
        }
        if (after != null) {
            p.addLast("after-proxy", after);
        }
        p.addLast("first-data", first);
    }
}
