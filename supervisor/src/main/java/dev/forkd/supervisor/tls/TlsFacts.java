package dev.forkd.supervisor.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a worker may learn of a connection's TLS, after its handshake: the facts HAProxy sends as
 * PROXY v2 TLVs (PP2_TYPE_SSL with its VERSION, CN and CIPHER sub-types, PP2_TYPE_ALPN,
 * PP2_TYPE_AUTHORITY for the SNI name). Never anything secret: no key, no session secret.
 *
 * @param protocol            "TLSv1.3" or "TLSv1.2"
 * @param cipherSuite         the IANA/Java name, e.g. "TLS_AES_128_GCM_SHA256"
 * @param sniHostname         the server name the client sent, or null
 * @param alpnProtocol        the protocol ALPN chose ("h2", "http/1.1"), or null
 * @param clientCertPresented the client sent a certificate (only asked for with --tls-client-ca)
 * @param clientCertVerified  it chains to --tls-client-ca: after a completed handshake always so
 *                            when presented, as both providers refuse the handshake otherwise
 * @param clientSubjectCn     the client certificate's subject CN, or null
 */
public record TlsFacts(String protocol, String cipherSuite, String sniHostname, String alpnProtocol,
        boolean clientCertPresented, boolean clientCertVerified, String clientSubjectCn) {

    /** The facts of {@code handler}'s completed handshake; {@code sniHostname} as the SNI stage saw it. */
    public static TlsFacts of(SslHandler handler, String sniHostname) {
        SSLSession session = handler.engine().getSession();
        X509Certificate client = null;
        try {
            Certificate[] peer = session.getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate) {
                client = (X509Certificate) peer[0];
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate: not asked for, or (--tls-client-auth optional) not given
        }
        String cn = client == null ? null : ServerNames.commonName(client.getSubjectX500Principal().getName());
        return new TlsFacts(session.getProtocol(), session.getCipherSuite(), sniHostname, handler.applicationProtocol(),
                client != null, client != null, cn);
    }

    /** The facts of a channel whose pipeline holds the SslHandler that {@link TlsTerminator#newHandler} put there; null if none. */
    public static TlsFacts of(Channel channel) {
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        return handler == null ? null : of(handler, channel.attr(TlsTerminator.SNI_HOSTNAME).get());
    }
}
