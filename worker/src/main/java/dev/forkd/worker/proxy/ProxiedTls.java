package dev.forkd.worker.proxy;

import dev.forkd.api.Connection;
import dev.forkd.api.TlsInfo;
import dev.forkd.shared.ProxySsl;
import dev.forkd.shared.ProxyTlvs;
import java.util.Optional;

/** Turns the TLVs of a PROXY v2 header into what {@link Connection#tls()} offers a handler. */
final class ProxiedTls {

    private ProxiedTls() {
    }

    /** Present only when a PP2_TYPE_SSL TLV says the client connected over TLS. */
    static Optional<TlsInfo> of(ProxyTlvs tlvs) {
        ProxySsl ssl = tlvs.ssl();
        if (ssl == null || !ssl.clientSsl()) {
            return Optional.empty();
        }
        boolean verified = ssl.clientCertificateVerified();
        // an unverified name is no identity: a handler that forgets to look at the flag must not be fooled by it
        String cn = verified ? ssl.commonName() : null;
        return Optional.of(new TlsInfo(ssl.version(), ssl.cipher(), ssl.clientCertificate(), verified, cn,
                tlvs.alpn(), tlvs.authority()));
    }
}
