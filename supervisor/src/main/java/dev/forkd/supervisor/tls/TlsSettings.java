package dev.forkd.supervisor.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What `forkd serve` was told about TLS: the certificate/key pairs (the first is the default, the
 * others are chosen by SNI), the client CA for mutual TLS, the ALPN protocols offered and the
 * handshake timeout. Only paths: the files are read by {@link TlsTerminator}, at start and on reload.
 *
 * @param pairs      empty when TLS is off
 * @param clientCa   null without mutual TLS
 * @param alpn       offered in this order of preference; empty: no ALPN
 */
public record TlsSettings(List<CertificateFiles> pairs, Path clientCa, ClientAuthMode clientAuth, List<String> alpn, Duration handshakeTimeout) {
    /** The default of --tls-handshake-timeout. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** One --tls-cert and its --tls-key: a PEM full chain (leaf first) and its private key. */
    public record CertificateFiles(Path certificate, Path key) {
    }

    public TlsSettings {
        pairs = List.copyOf(pairs);
        alpn = List.copyOf(alpn);
        if (clientCa == null && clientAuth != ClientAuthMode.NONE) {
            throw new IllegalArgumentException("client authentication " + clientAuth + " needs a client CA");
        }
    }

    /** TLS off: connections are relayed as they come. */
    public static TlsSettings off() {
        return new TlsSettings(List.of(), null, ClientAuthMode.NONE, List.of(), DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public boolean enabled() {
        return !pairs.isEmpty();
    }
}
