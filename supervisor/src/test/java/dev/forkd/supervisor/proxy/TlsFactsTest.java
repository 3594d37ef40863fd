package dev.forkd.supervisor.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TlsFacts from a completed session: what JSSE or Netty's OpenSSL engine report. */
class TlsFactsTest {
    @TempDir
    Path dir;

    /** A session that answers only what TlsFacts asks; {@code peer} null: the client sent no certificate. */
    private static SSLSession session(String protocol, String cipher, Certificate[] peer) {
        return (SSLSession) Proxy.newProxyInstance(TlsFactsTest.class.getClassLoader(), new Class<?>[] {SSLSession.class}, (p, m, args) -> {
            switch (m.getName()) {
                case "getProtocol":
                    return protocol;
                case "getCipherSuite":
                    return cipher;
                case "getPeerCertificates":
                    if (peer == null) {
                        throw new SSLPeerUnverifiedException("peer not authenticated");
                    }
                    return peer;
                default:
                    throw new UnsupportedOperationException(m.getName());
            }
        });
    }

    /** A self-signed certificate made now with the JDK's keytool: no key material is checked in. */
    private Certificate certificate(String dname) throws Exception {
        Path store = dir.resolve("client.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-alias", "c", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname, "-validity", "1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks.getCertificate("c");
    }

    @Test
    void aClientCertificateGivesItsCommonName() throws Exception {
        Certificate cert = certificate("CN=alice, O=Example, C=DE");
        TlsFacts f = TlsFacts.of(session("TLSv1.3", "TLS_AES_128_GCM_SHA256", new Certificate[] {cert}), "h2", "api.example.com");
        assertEquals(new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", true, true, "alice", "h2", "api.example.com"), f);
    }

    @Test
    void noClientCertificate() {
        TlsFacts f = TlsFacts.of(session("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", null), "", null);
        assertEquals(new TlsFacts("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, false, null, null, null), f,
                "no certificate; an empty ALPN answer (Netty's when none was agreed) is none");
    }
}
