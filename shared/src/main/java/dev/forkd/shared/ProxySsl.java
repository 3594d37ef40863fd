package dev.forkd.shared;

/**
 * A PP2_TYPE_SSL TLV of a PROXY v2 header (spec section 2.2.6): what the proxy in front learnt
 * from the client's TLS connection. A string is null when its sub-TLV was absent.
 *
 * @param client the PP2_CLIENT_* bits
 * @param verify zero if the client presented a certificate and it was verified, non-zero otherwise
 * @param version PP2_SUBTYPE_SSL_VERSION, e.g. "TLSv1.3"
 * @param commonName PP2_SUBTYPE_SSL_CN: the client certificate's subject CN
 * @param cipher PP2_SUBTYPE_SSL_CIPHER, e.g. "TLS_AES_128_GCM_SHA256"
 * @param signatureAlgorithm PP2_SUBTYPE_SSL_SIG_ALG: how the server's certificate is signed
 * @param keyAlgorithm PP2_SUBTYPE_SSL_KEY_ALG: the server certificate's key
 */
public record ProxySsl(int client, int verify, String version, String commonName, String cipher,
        String signatureAlgorithm, String keyAlgorithm) {
    /** The client connected over SSL/TLS. */
    public static final int CLIENT_SSL = 0x01;
    /** The client presented a certificate on this connection. */
    public static final int CLIENT_CERT_CONN = 0x02;
    /** The client presented a certificate at least once in this TLS session. */
    public static final int CLIENT_CERT_SESS = 0x04;

    public boolean clientSsl() {
        return (client & CLIENT_SSL) != 0;
    }

    public boolean clientCertificate() {
        return (client & (CLIENT_CERT_CONN | CLIENT_CERT_SESS)) != 0;
    }

    /** A client certificate was presented and verified: the spec's verify field is zero only then. */
    public boolean clientCertificateVerified() {
        return clientCertificate() && verify == 0;
    }
}
