package dev.forkd.worker.proxy;

import dev.forkd.worker.common.WorkerFrames;
import dev.forkd.api.TlsInfo;
import dev.forkd.shared.ProxyHeader;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * What the PROXY v2 header of a relayed stream says of its client, as a handler is shown it.
 *
 * @param source the client's address, or null when the proxy gave none
 * @param destination the address the client connected to, or null
 * @param tls the TLS facts when the supervisor terminated TLS for the client
 */
public record ProxiedClient(InetSocketAddress source, InetSocketAddress destination, Optional<TlsInfo> tls) {
    /** Before the header is read. */
    public static final ProxiedClient UNKNOWN = new ProxiedClient(null, null, Optional.empty());

    public static ProxiedClient of(ProxyHeader h) {
        return new ProxiedClient(h.source(), h.destination(), ProxiedTls.of(h.tlvs()));
    }

    /** The client's address for log lines. */
    public String describe() {
        return WorkerFrames.describe(source);
    }
}
