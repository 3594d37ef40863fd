package dev.forkd.tools.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS of `forkd client --tls`, `forkd bench --tls` and `forkd experiment crash --tls-cert`:
 * the JDK's SSLSocket over a TCP connection the caller made (TLS 1.2/1.3). The server's certificate is checked against
 * --ca (or the JDK's CAs) and the server name; --insecure checks nothing, for tests against a
 * self-signed certificate. SNI is --sni, else the host name given (never an IP address).
 */
public final class ClientTls {
    private final Path ca;
    private final boolean insecure;
    private final String sni;
    private final boolean resume;
    private final SSLContext shared;

    private ClientTls(Path ca, boolean insecure, String sni, boolean resume) throws IOException {
        this.ca = ca;
        this.insecure = insecure;
        this.sni = sni;
        this.resume = resume;
        this.shared = context();
    }

    /**
     * @param ca     PEM CA certificates to trust, or null for the JDK's
     * @param resume false: a full handshake on every connection (a fresh session cache each), to measure handshakes
     * @throws IOException if --ca cannot be read; the message is one line for a user
     */
    public static ClientTls of(Path ca, boolean insecure, String sni, boolean resume) throws IOException {
        return new ClientTls(ca, insecure, sni, resume);
    }

    /** Wraps {@code plain} and completes the handshake within {@code timeout}; closes {@code plain} if it fails. */
    public Socket handshake(Socket plain, InetSocketAddress target, Duration timeout) throws IOException {
        String host = target.getHostString();
        try {
            SSLContext context = resume ? shared : context();
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, target.getPort(), true);
            SSLParameters p = tls.getSSLParameters();
            p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            String name = sni != null ? sni : isIpLiteral(host) ? null : host;
            if (name != null) {
                p.setServerNames(List.of(new SNIHostName(name)));
            }
            if (!insecure) {
                // against the SNI name when one is sent (the JDK prefers it to the peer host): --sni names the certificate when connecting by address
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            tls.setSSLParameters(p);
            int before = plain.getSoTimeout();
            tls.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            tls.startHandshake();
            tls.setSoTimeout(before);
            return tls;
        } catch (SocketTimeoutException e) {
            plain.close();
            throw new IOException("TLS handshake with " + display(target) + " timed out after " + timeout.toMillis() + " ms", e);
        } catch (SSLException e) {
            plain.close();
            throw new IOException("TLS handshake with " + display(target) + " failed: " + e.getMessage(), e);
        }
    }

    private SSLContext context() throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private TrustManager[] trustManagers() throws IOException, GeneralSecurityException {
        if (insecure) {
            return new TrustManager[] {new TrustingEverything()};
        }
        if (ca == null) {
            return null;
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int n = 0;
        try (InputStream in = Files.newInputStream(ca)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca" + n++, c);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("--ca " + ca + ": no such file", e);
        } catch (java.security.cert.CertificateException e) {
            throw new IOException("--ca " + ca + ": not PEM certificates (" + e.getMessage() + ")", e);
        }
        if (n == 0) {
            throw new IOException("--ca " + ca + ": no certificate in it");
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    /** HOST:PORT, [IPv6]:PORT, as the user wrote it. */
    private static String display(InetSocketAddress target) {
        String host = target.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + target.getPort();
    }

    private static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    /** --insecure: any certificate, any name; the connection is encrypted but not authenticated. */
    private static final class TrustingEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // a client's trust manager is never asked about clients
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // --insecure: the user asked not to check the server
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
