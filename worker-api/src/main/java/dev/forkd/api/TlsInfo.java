package dev.forkd.api;

/**
 * What the supervisor learnt from the client's TLS connection, which it terminated: the key never
 * reaches the worker, these facts come in the PROXY v2 header's TLVs. A string is null when the
 * supervisor did not send it.
 *
 * @param protocol the TLS version, e.g. "TLSv1.3"
 * @param cipherSuite the cipher suite, e.g. "TLS_AES_128_GCM_SHA256"
 * @param clientCertificatePresented the client sent a certificate (mutual TLS)
 * @param clientCertificateVerified that certificate was verified against the configured client CA
 * @param clientCommonName the CN of the client certificate's subject; only given when verified, null otherwise
 * @param applicationProtocol the ALPN protocol agreed with the client, e.g. "h2", or null when none was
 * @param serverName the host name the client asked for (SNI), or null when it sent none
 */
public record TlsInfo(String protocol, String cipherSuite, boolean clientCertificatePresented, boolean clientCertificateVerified,
        String clientCommonName, String applicationProtocol, String serverName) {
}
