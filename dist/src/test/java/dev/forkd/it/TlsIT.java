package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forkd.supervisor.tls.Commands;
import dev.forkd.supervisor.tls.Commands.Result;
import dev.forkd.supervisor.tls.TestCertificates;
import dev.forkd.supervisor.tls.TestCertificates.KeyFormat;
import dev.forkd.supervisor.tls.TestCertificates.KeyType;
import dev.forkd.supervisor.tls.TestCertificates.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS end to end, with clients nobody here wrote: openssl s_client (protocols, resumption, SNI),
 * curl (http-hello, ALPN, mutual TLS), a reload under load, and `forkd client --tls`.
 * Certificates from a CA made at test time ({@link TestCertificates}).
 */

class TlsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String HTTP_REQUEST = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static Pair localhostEc;
    static Pair betaRsa;
    static Pair client;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCertificates.authority(dir.resolve("ca"), "forkd TlsIT CA");
        localhostEc = ca.server(KeyType.EC, KeyFormat.PKCS8, "localhost");
        betaRsa = ca.server(KeyType.RSA, KeyFormat.TRADITIONAL, "beta.test");
        client = ca.client("it-client");
    }

    private static ForkdProcess serve(String name, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("--workers", "2", "--tls-cert", localhostEc.cert().toString(),
                "--tls-key", localhostEc.key().toString()));
        args.addAll(List.of(more));
        return ForkdProcess.serve(name, args.toArray(new String[0]));
    }

    private static Result run(List<String> command, String stdin) throws IOException, InterruptedException {
        return Commands.run(command, stdin, WAIT);
    }

    private static List<String> sClient(int port, String... more) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile", ca.caCert().toString(),
                "-verify_return_error", "-ign_eof"));
        cmd.addAll(List.of(more));
        return cmd;
    }

    @Test
    void opensslSeesTls13AndRefusesTls11() throws Exception {
        try (ForkdProcess forkd = serve("tls-openssl", "--handler", "http-hello", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Result tls13 = run(sClient(port, "-servername", "localhost", "-tls1_3", "-brief"), HTTP_REQUEST);
            assertEquals(0, tls13.exit(), tls13.output());
            assertTrue(tls13.output().contains("Protocol version: TLSv1.3"), tls13.output());
            assertTrue(tls13.output().contains("Verification: OK"), tls13.output());
            assertTrue(tls13.output().contains("Hello from forkd"), tls13.output());
            Result tls12 = run(sClient(port, "-servername", "localhost", "-tls1_2", "-brief"), HTTP_REQUEST);
            assertEquals(0, tls12.exit(), tls12.output());
            assertTrue(tls12.output().matches("(?s).*Ciphersuite: ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305).*"), tls12.output());
            // OpenSSL 3 will not offer TLS 1.1 at its default security level: level 0 makes it try, so that forkd is what refuses
            Result tls11 = run(sClient(port, "-servername", "localhost", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"), "");
            assertNotEquals(0, tls11.exit(), tls11.output());
            assertTrue(tls11.output().contains("alert protocol version"), "forkd refused it, not the client: " + tls11.output());
            Result cbc = run(sClient(port, "-servername", "localhost", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256"), "");
            assertNotEquals(0, cbc.exit(), "a CBC suite is not in the list: " + cbc.output());
            // the two handshakes served and the two refused are counted, in /status and /metrics
            Admin admin = new Admin(forkd);
            JsonNode self = admin.status().get("supervisor");
            assertEquals(2, self.get("tlsHandshakes").asLong(), self.toString());
            assertEquals(2, self.get("tlsHandshakeFailures").asLong(), self.toString());
            String metrics = admin.get("/metrics").body();
            assertTrue(metrics.contains("forkd_tls_handshakes_total 2.0"), metrics);
            assertTrue(metrics.contains("forkd_tls_handshake_failures_total 2.0"), metrics);
        }
    }

    @Test
    void resumptionReusesTheSession() throws Exception {
        try (ForkdProcess forkd = serve("tls-resume", "--handler", "http-hello")) {
            int port = forkd.port();
            for (String version : new String[] {"-tls1_2", "-tls1_3"}) {
                Path session = dir.resolve("session" + version);
                Result first = run(sClient(port, "-servername", "localhost", version, "-sess_out", session.toString()), HTTP_REQUEST);
                assertEquals(0, first.exit(), first.output());
                assertTrue(first.output().contains("New, TLSv1."), first.output());
                Result second = run(sClient(port, "-servername", "localhost", version, "-sess_in", session.toString()), HTTP_REQUEST);
                assertEquals(0, second.exit(), second.output());
                assertTrue(second.output().contains("Reused, TLSv1."), version + ": " + second.output());
            }
        }
    }

    @Test
    void sniPicksTheCertificate() throws Exception {
        try (ForkdProcess forkd = serve("tls-sni", "--handler", "http-hello", "--tls-cert", betaRsa.cert().toString(),
                "--tls-key", betaRsa.key().toString())) {
            int port = forkd.port();
            Result beta = run(sClient(port, "-servername", "beta.test", "-brief"), HTTP_REQUEST);
            assertTrue(beta.output().contains("Peer certificate: CN = beta.test"), beta.output());
            Result local = run(sClient(port, "-servername", "localhost", "-brief"), HTTP_REQUEST);
            assertTrue(local.output().contains("Peer certificate: CN = localhost"), local.output());
            Result none = run(sClient(port, "-noservername", "-brief"), HTTP_REQUEST);
            assertTrue(none.output().contains("Peer certificate: CN = localhost"), "the first pair is the default: " + none.output());
        }
    }

    @Test
    void curlGetsHttpHelloAndAlpn() throws Exception {
        try (ForkdProcess forkd = serve("tls-curl", "--handler", "http-hello", "--tls-alpn", "http/1.1")) {
            int port = forkd.port();
            Result curl = run(List.of("curl", "-sS", "-v", "--http1.1", "--cacert", ca.caCert().toString(),
                    "--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/"), "");
            assertEquals(0, curl.exit(), curl.output());
            assertTrue(curl.output().contains("Hello from forkd"), curl.output());
            assertTrue(curl.output().contains("ALPN: server accepted http/1.1") || curl.output().contains("ALPN, server accepted to use http/1.1"),
                    curl.output());
        }
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificate() throws Exception {
        try (ForkdProcess forkd = serve("tls-mtls", "--handler", "http-hello", "--tls-client-ca", ca.caCert().toString())) {
            int port = forkd.port();
            List<String> curl = new ArrayList<>(List.of("curl", "-sS", "--http1.1", "--cacert", ca.caCert().toString(),
                    "--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/"));
            Result without = run(curl, "");
            assertNotEquals(0, without.exit(), without.output());
            curl.addAll(List.of("--cert", client.cert().toString(), "--key", client.key().toString()));
            Result with = run(curl, "");
            assertEquals(0, with.exit(), with.output());
            assertTrue(with.output().contains("Hello from forkd"), with.output());
        }
        try (ForkdProcess forkd = serve("tls-mtls-optional", "--handler", "http-hello", "--tls-client-ca", ca.caCert().toString(),
                "--tls-client-auth", "optional")) {
            int port = forkd.port();
            Result without = run(List.of("curl", "-sS", "--http1.1", "--cacert", ca.caCert().toString(),
                    "--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/"), "");
            assertEquals(0, without.exit(), without.output());
        }
    }

    @Test
    void forkdClientSpeaksTls() throws Exception {
        try (ForkdProcess forkd = serve("tls-client-serve");
                CommandProcess c = CommandProcess.start("tls-client", "client", "--tls", "--ca", ca.caCert().toString(), "--sni", "localhost",
                        "127.0.0.1:" + forkd.port())) {
            c.write("hello\nworld\n");
            c.closeStdin();
            assertEquals(0, c.awaitExit(WAIT), c.stderr());
            assertEquals("HELLO\nWORLD\n", c.stdout());
        }
    }

    /** New TLS connections all the while; two reloads swap the certificate; not one request fails. */
    @Test
    void reloadUnderLoadFailsNoRequest(@TempDir Path live) throws Exception {
        Path cert = Files.copy(localhostEc.cert(), live.resolve("server.pem"));
        Path key = Files.copy(localhostEc.key(), live.resolve("server.key"));
        try (ForkdProcess forkd = ForkdProcess.serve("tls-reload-load", "--workers", "4", "--handler", "http-hello", "--admin", "127.0.0.1:0",
                "--tls-cert", cert.toString(), "--tls-key", key.toString())) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            SSLContext context = trusting(ca.caCert());
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong ok = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Set<BigInteger> served = ConcurrentHashMap.newKeySet();
            List<Thread> load = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    while (running.get() && failure.get() == null) {
                        try {
                            served.add(request(context, port));
                            ok.incrementAndGet();
                        } catch (Exception e) {
                            failure.compareAndSet(null, e);
                        }
                    }
                }, "tls-load-" + i);
                t.start();
                load.add(t);
            }
            Await.until(WAIT, "requests before the reload", () -> ok.get() >= 50);
            for (KeyType type : new KeyType[] {KeyType.RSA, KeyType.EC}) {
                Pair renewed = ca.server(type, KeyFormat.PKCS8, "localhost");
                // the key first would pair a new key with the old certificate for a moment: a reload then is refused, harmlessly
                Files.copy(renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
                assertEquals(202, admin.post("/workers/reload").statusCode());
                BigInteger serial = serial(renewed.cert());
                Await.until(WAIT, "a handshake with the renewed certificate", () -> served.contains(serial));
                long before = ok.get();
                Await.until(WAIT, "more requests after the reload", () -> ok.get() >= before + 50);
            }
            running.set(false);
            for (Thread t : load) {
                t.join(WAIT.toMillis());
            }
            assertEquals(null, failure.get(), "not one request failed (" + ok.get() + " served)");
            assertEquals(3, served.size(), "the first certificate and both renewals were served");
        }
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** One request on a new connection (new handshake); the serial of the certificate it was served with. */
    private static BigInteger request(SSLContext context, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout((int) WAIT.toMillis());
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName("localhost")));
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.getOutputStream().write(HTTP_REQUEST.getBytes(StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            if (!reply.startsWith("HTTP/1.1 200") || !reply.contains("Hello from forkd")) {
                throw new IOException("unexpected reply: " + reply);
            }
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static BigInteger serial(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getSerialNumber();
        }
    }
}
