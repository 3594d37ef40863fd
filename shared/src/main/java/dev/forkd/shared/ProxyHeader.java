package dev.forkd.shared;

import java.net.InetSocketAddress;

/**
 * What a PROXY protocol header says about a connection.
 *
 * @param local true for a LOCAL command (health checks, the proxy's own connection): no client address
 * @param source the client's address, or null when {@code local} or the family is unspecified
 * @param destination the address the client connected to, or null likewise
 * @param tlvs the TLVs of a v2 header that forkd interprets; {@link ProxyTlvs#NONE}, never null, without them
 */
public record ProxyHeader(boolean local, InetSocketAddress source, InetSocketAddress destination, ProxyTlvs tlvs) {

    public ProxyHeader {
        if (tlvs == null) {
            tlvs = ProxyTlvs.NONE;
        }
    }

    public ProxyHeader(boolean local, InetSocketAddress source, InetSocketAddress destination) {
        this(local, source, destination, ProxyTlvs.NONE);
    }

    public static ProxyHeader ofLocal() {
        return new ProxyHeader(true, null, null);
    }

    public static ProxyHeader of(InetSocketAddress source, InetSocketAddress destination) {
        return new ProxyHeader(false, source, destination);
    }
}
