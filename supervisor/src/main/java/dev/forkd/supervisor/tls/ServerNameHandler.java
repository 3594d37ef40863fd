package dev.forkd.supervisor.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import java.util.concurrent.TimeUnit;

/**
 * The first handler of a TLS connection: reads the ClientHello, picks the context by its server
 * name, and replaces itself with that context's {@link SslHandler}. One timeout covers both
 * stages, the ClientHello's wait and the handshake: a client gets --tls-handshake-timeout in all.
 * The name it saw is kept on the channel ({@link TlsTerminator#SNI_HOSTNAME}) for {@link ChannelTls}.
 */
final class ServerNameHandler extends SniHandler {
    private final long timeoutMillis;
    private long startNanos;

    ServerNameHandler(Mapping<? super String, ? extends SslContext> mapping, long timeoutMillis) {
        // 0: Netty's own limit on the ClientHello's size
        super(mapping, 0, timeoutMillis);
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        startNanos = System.nanoTime();
        super.handlerAdded(ctx);
    }

    @Override
    protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext) throws Exception {
        ctx.channel().attr(TlsTerminator.SNI_HOSTNAME).set(hostname);
        super.replaceHandler(ctx, hostname, sslContext);
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        SslHandler handler = context.newHandler(allocator);
        long spent = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        // at least 1 ms: 0 would mean no timeout at all
        handler.setHandshakeTimeoutMillis(Math.max(1, timeoutMillis - spent));
        return handler;
    }
}
