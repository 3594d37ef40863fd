package dev.forkd.supervisor.dispatch;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What the {@link Preamble} learnt of a client before it got a worker: what an upstream proxy's
 * PROXY header said about it (--accept-proxy), and the client's first bytes, which go to the
 * worker first.
 *
 * @param source the real client, or null without --accept-proxy or when the proxy sent LOCAL or
 *     UNKNOWN (its own probe): then the connection's own peer is the client
 * @param onHandedOver gives back the memory budget the preamble took for these bytes; run once,
 *     when the relay takes them or the connection is dropped
 */
public record ProxiedClient(InetSocketAddress source, InetSocketAddress destination, ByteBuffer leftover, Runnable onHandedOver) {
}
