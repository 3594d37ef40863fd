package dev.forkd.supervisor.proxy;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * What the supervisor tells a worker about a client's TLS connection: {@link TlsTlvs} writes it
 * as PROXY v2 TLVs, and the worker's {@code Connection.tls()} reads it back. A string is null
 * when there is nothing to say.
 *
 * @param protocol the TLS version, e.g. "TLSv1.3"
 * @param cipherSuite the cipher suite by its IANA/JSSE name, e.g. "TLS_AES_128_GCM_SHA256" (HAProxy sends OpenSSL names)
 * @param clientCertificatePresented the client sent a certificate
 * @param clientCertificateVerified the client's certificate was verified against the client CA
 * @param clientCommonName the subject CN of the verified client certificate; sent only when verified
 * @param applicationProtocol the ALPN protocol agreed, or null
 * @param serverName the SNI host name the client sent, or null
 */
public record TlsFacts(String protocol, String cipherSuite, boolean clientCertificatePresented, boolean clientCertificateVerified,
        String clientCommonName, String applicationProtocol, String serverName) {

    /**
     * The facts of a session whose handshake has completed. A peer certificate in such a session
     * was accepted by the trust manager (JSSE and Netty's OpenSSL engine both fail the handshake
     * otherwise, with client authentication optional or required), so it counts as verified.
     */
    public static TlsFacts of(SSLSession session, String applicationProtocol, String serverName) {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            // the client sent no certificate: the ordinary case without mutual TLS
            peer = new Certificate[0];
        }
        boolean presented = peer.length > 0;
        String cn = presented && peer[0] instanceof X509Certificate x ? commonName(x.getSubjectX500Principal()) : null;
        return new TlsFacts(session.getProtocol(), session.getCipherSuite(), presented, presented, cn,
                emptyToNull(applicationProtocol), emptyToNull(serverName));
    }

    /** The first CN in the subject's ASN.1 order, as HAProxy picks it; null if there is none. */
    static String commonName(X500Principal subject) {
        try {
            List<Rdn> rdns = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
            for (Rdn rdn : rdns) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return null;
        } catch (InvalidNameException e) {
            // the JDK wrote this RFC 2253 name itself; should it not parse back, there is no CN we can vouch for
            return null;
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
