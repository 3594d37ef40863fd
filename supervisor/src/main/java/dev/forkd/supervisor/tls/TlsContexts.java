package dev.forkd.supervisor.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * One server SslContext per certificate: TLS 1.2 and 1.3 only, Mozilla's "intermediate" ciphers for
 * 1.2 (ECDHE with AES-GCM or ChaCha20-Poly1305: forward secrecy and AEAD only), the three TLS 1.3
 * suites, a server session cache and tickets for resumption, and the client CA for mutual TLS.
 */
final class TlsContexts {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    /** Sessions kept for resumption, and for how long (seconds): nginx's 10m shared cache holds ~40,000. */
    static final long SESSION_CACHE_SIZE = 20_000;
    static final long SESSION_TIMEOUT_SECONDS = 300;

    private TlsContexts() {
    }

    static SslContext server(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> clientCa, TlsSettings settings,
            SslProvider provider, String where) throws TlsConfigException {
        requireMatch(key, chain.get(0), where);
        SslContextBuilder b = SslContextBuilder.forServer(key, chain)
                .sslProvider(provider)
                .protocols(PROTOCOLS)
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(SESSION_CACHE_SIZE)
                .sessionTimeout(SESSION_TIMEOUT_SECONDS);
        if (clientCa != null) {
            b.trustManager(clientCa).clientAuth(settings.clientAuth() == ClientAuthMode.REQUIRE ? ClientAuth.REQUIRE
                    : settings.clientAuth() == ClientAuthMode.OPTIONAL ? ClientAuth.OPTIONAL : ClientAuth.NONE);
        }
        if (!settings.alpn().isEmpty()) {
            // the only behaviours both providers support: without a common protocol the handshake goes on without ALPN
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, settings.alpn()));
        }
        try {
            return b.build();
        } catch (SSLException | RuntimeException e) {
            throw new TlsConfigException(where + ": cannot make a TLS context of it (" + e.getMessage() + ")", e);
        }
    }

    /** A key that is not the certificate's would fail every handshake: refuse it at start and on reload instead. */
    private static void requireMatch(PrivateKey key, X509Certificate leaf, String where) throws TlsConfigException {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        if (!key.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm())) {
            throw new TlsConfigException(where + ": the key (" + key.getAlgorithm() + ") is not the certificate's ("
                    + leaf.getPublicKey().getAlgorithm() + ")");
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new TlsConfigException(where + ": the key does not belong to the certificate (the first one in the file)");
            }
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException(where + ": cannot check the key against the certificate (" + e.getMessage() + ")", e);
        }
    }
}
