package dev.forkd.supervisor;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What an upstream proxy's PROXY header said about a client (--accept-proxy), and the client's
 * bytes that arrived with the header, which go to the worker first.
 *
 * @param source the real client, or null when the proxy sent LOCAL or UNKNOWN (its own probe)
 */
record ProxiedClient(InetSocketAddress source, InetSocketAddress destination, ByteBuffer leftover) {
}
