package dev.forkd.supervisor.relay;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The PROXY v2 header each worker stream starts with: who the client is (source) and what it
 * connected to (destination), as {@code ProxyV2.encode} wrote it before, plus TLVs (TLS facts,
 * for instance). Both addresses of one family: an IPv4 one is mapped into IPv6 when the other is
 * IPv6, as the worker's decoder expects of a TCP6 header.
 */
public final class WorkerProxyHeader {
    private WorkerProxyHeader() {
    }

    public static HAProxyMessage of(InetSocketAddress source, InetSocketAddress destination, List<HAProxyTLV> tlvs) {
        InetAddress s = source.getAddress();
        InetAddress d = destination.getAddress();
        boolean v4 = s instanceof Inet4Address && d instanceof Inet4Address;
        HAProxyProxiedProtocol protocol = v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6;
        return new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, protocol,
                literal(s, v4), literal(d, v4), source.getPort(), destination.getPort(), tlvs);
    }

    private static String literal(InetAddress a, boolean v4) {
        if (v4 || !(a instanceof Inet4Address)) {
            return a.getHostAddress();
        }
        return "::ffff:" + a.getHostAddress();
    }
}
