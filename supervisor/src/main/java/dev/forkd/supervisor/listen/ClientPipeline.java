package dev.forkd.supervisor.listen;

import dev.forkd.supervisor.common.Buffers;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Where each accepted client's pipeline is assembled, in this order: admission; with
 * --accept-proxy the PROXY header ({@link ProxyV2Limit}, Netty's decoder, {@link ProxyStage});
 * with TLS the {@link TlsStage}'s handler (dispatch then waits for its handshake); the {@link FirstDataStage}, which hands the client on. The relay adds itself last.
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
    /** Null without TLS. */
    private final TlsStage tls;

    public ClientPipeline(Settings settings, Admission admission, Buffers buffers, DispatchStats stats, Sink sink,
            TlsStage tls) {
        this.settings = settings;
        this.admission = admission;
        this.buffers = buffers;
        this.stats = stats;
        this.sink = sink;
        this.tls = tls;
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
        FirstDataStage first = new FirstDataStage(client, sink, stats, buffers.budget(), settings.speaksFirst(),
                settings.firstDataTimeout(), settings.acceptProxy(), tls);
        if (settings.acceptProxy()) {
            p.addLast("proxy-limit", new ProxyV2Limit());
            p.addLast("proxy-decoder", new HAProxyMessageDecoder());
            p.addLast("proxy", new ProxyStage(client, sink, stats, settings.firstDataTimeout(), first));
        }
        if (tls != null) {
            p.addLast("tls", tls.newHandler());
        }
        p.addLast("first-data", first);
    }
}
