package dev.forkd.supervisor.tls;

import dev.forkd.supervisor.proxy.TlsFacts;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

/**
 * What a worker may learn of a connection's TLS once its handshake completed: {@link TlsFacts},
 * which {@code proxy.TlsTlvs} writes as the PROXY v2 TLVs HAProxy sends (PP2_TYPE_SSL with VERSION,
 * CN and CIPHER, PP2_TYPE_ALPN, PP2_TYPE_AUTHORITY). Never anything secret: no key, no session secret.
 */
public final class ChannelTls {
    private ChannelTls() {
    }

    /** The facts of {@code handler}'s completed handshake; {@code sniHostname} as the SNI stage saw it. */
    public static TlsFacts of(SslHandler handler, String sniHostname) {
        return TlsFacts.of(handler.engine().getSession(), handler.applicationProtocol(), sniHostname);
    }

    /** The facts of a channel whose pipeline holds the SslHandler that {@link TlsTerminator#newHandler} put there; null if none. */
    public static TlsFacts of(Channel channel) {
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        return handler == null ? null : of(handler, channel.attr(TlsTerminator.SNI_HOSTNAME).get());
    }
}
