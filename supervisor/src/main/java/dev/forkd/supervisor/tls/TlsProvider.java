package dev.forkd.supervisor.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * OpenSSL (BoringSSL, from netty-tcnative-boringssl-static's native library) where it loads, the
 * JDK's own provider otherwise; both are TLS 1.2/1.3 with the same ciphers. BoringSSL's handshakes
 * and bulk crypto are several times cheaper than the JDK's, which is why it is first choice.
 */
final class TlsProvider {
    private static final Logger LOG = LogManager.getLogger(TlsProvider.class);
    /** -Dforkd.tls.provider=jdk forces the JDK's provider (to compare them, or if BoringSSL misbehaves). */
    static final String PROPERTY = "forkd.tls.provider";

    private TlsProvider() {
    }

    static SslProvider choose() {
        if ("jdk".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return SslProvider.JDK;
        }
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The line that says which provider terminates TLS, and why not OpenSSL when it is not. */
    static void announce(SslProvider provider) {
        if (provider == SslProvider.OPENSSL) {
            LOG.info("TLS: OpenSSL provider ({}, through netty-tcnative)", OpenSsl.versionString());
        } else if ("jdk".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            LOG.info("TLS: the JDK's provider (-D{}=jdk)", PROPERTY);
        } else {
            Throwable why = OpenSsl.unavailabilityCause();
            LOG.info("TLS: the JDK's provider; OpenSSL (netty-tcnative) is not available here: {}", why == null ? "unknown" : why.toString());
        }
    }
}
