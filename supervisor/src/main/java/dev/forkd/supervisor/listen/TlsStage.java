package dev.forkd.supervisor.listen;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.handler.ssl.SslCompletionEvent;
import java.util.List;
import java.util.function.Supplier;

/**
 * TLS terminated after the PROXY header (the root adapts {@code tls.TlsTerminator} to it): a handler
 * for each client, told how each handshake ended, and what the worker may learn of a finished one.
 */
public interface TlsStage {
    /** The handler that goes after the PROXY decoder; it fires an SslHandshakeCompletionEvent. */
    ChannelHandler newHandler();

    /** Counted and, for a failure, logged; the pipeline then closes a failed connection itself. */
    void handshakeDone(SslCompletionEvent event, Channel channel);

    /**
     * After a successful handshake, on the channel's loop: the PROXY v2 TLVs that tell the worker
     * about it, made when its header is written (the TLVs own buffers: made for one header each).
     */
    Supplier<List<HAProxyTLV>> workerTlvs(Channel channel);
}
