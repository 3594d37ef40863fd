package dev.forkd.api;

/**
 * What the supervisor learnt from the client's TLS connection, which it terminated
 * ({@code serve --tls-cert ... --tls-key ...}; see {@link Connection#tls()}). The key and the
 * decrypted session never reach the worker: these facts come in the PROXY v2 header the
 * supervisor writes on each stream (its {@code PP2_TYPE_SSL}, {@code PP2_TYPE_ALPN} and
 * {@code PP2_TYPE_AUTHORITY} TLVs), and the handler reads and writes plain bytes. A string is null
 * when the supervisor did not send it.
 *
 * <p>To authenticate a client by its certificate (mutual TLS: {@code --tls-client-ca}), use
 * {@link #clientCommonName()}: it is null unless the certificate was verified against that CA, so
 * a handler that forgets to check {@link #clientCertificateVerified()} is not fooled by a name
 * nobody vouched for.
 *
 * @param protocol the TLS version, e.g. "TLSv1.3"
 * @param cipherSuite the cipher suite, e.g. "TLS_AES_128_GCM_SHA256"
 * @param clientCertificatePresented the client sent a certificate (mutual TLS)
 * @param clientCertificateVerified that certificate was verified against the configured client CA
 * @param clientCommonName the CN of the client certificate's subject; only given when verified, null otherwise
 * @param applicationProtocol the ALPN protocol agreed with the client ({@code --tls-alpn}), e.g. "h2", or null when none was
 * @param serverName the host name the client asked for (SNI), or null when it sent none (or one over 255 bytes)
 */
public record TlsInfo(String protocol, String cipherSuite, boolean clientCertificatePresented, boolean clientCertificateVerified,
        String clientCommonName, String applicationProtocol, String serverName) {
}
