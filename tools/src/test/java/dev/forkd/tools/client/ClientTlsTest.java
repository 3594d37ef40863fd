package dev.forkd.tools.client;

import dev.forkd.tools.tls.ClientTls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.tls.TestCertificates;
import dev.forkd.supervisor.tls.TestCertificates.KeyFormat;
import dev.forkd.supervisor.tls.TestCertificates.KeyType;
import dev.forkd.supervisor.tls.TestCertificates.Pair;
import dev.forkd.shared.framing.Framing;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `forkd client --tls` against a JDK TLS server in the test: the certificate checked against --ca
 * and the --sni name, --insecure, and raw mode's half-close carried as TLS close_notify.
 */
class ClientTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static SSLServerSocket server;
    /** The SNI name of the latest connection, set before its reply is written. */
    static final java.util.concurrent.atomic.AtomicReference<String> sni = new java.util.concurrent.atomic.AtomicReference<>();

    @BeforeAll
    static void serve() throws Exception {
        ca = TestCertificates.authority(dir, "client test CA");
        Pair pair = ca.server(KeyType.EC, KeyFormat.PKCS8, "forkd.test");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(ca.pkcs12(pair))) {
            store.load(in, "test".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(store, "test".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(ClientTlsTest::acceptLoop, "tls-upper-server");
        t.setDaemon(true);
        t.start();
    }

    /** Upper-cases everything until the client's end of input, then answers and closes: raw mode's half-close, over TLS. */
    private static void acceptLoop() {
        while (!server.isClosed()) {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                s.setSoTimeout((int) WAIT.toMillis());
                s.startHandshake();
                javax.net.ssl.ExtendedSSLSession session = (javax.net.ssl.ExtendedSSLSession) s.getSession();
                sni.set(session.getRequestedServerNames().isEmpty() ? "" : ((javax.net.ssl.SNIHostName) session.getRequestedServerNames().get(0)).getAsciiName());
                byte[] all = s.getInputStream().readAllBytes();
                OutputStream out = s.getOutputStream();
                out.write(new String(all, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (Exception e) {
                // a client the test meant to fail (wrong CA), or the server closing at the end: next one
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static String run(ClientTls tls) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream stdin = new ByteArrayInputStream("hello over tls\n".getBytes(StandardCharsets.UTF_8));
        ClientSession session = new ClientSession(ServerAddress.parse("127.0.0.1:" + server.getLocalPort()), Framing.RAW, 1 << 20, 0,
                Duration.ZERO, stdin, new PrintWriter(out), new PrintWriter(err), tls);
        CompletableFuture<Long> done = CompletableFuture.supplyAsync(() -> {
            try {
                return session.run();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        assertEquals(0L, done.get(WAIT.toSeconds(), TimeUnit.SECONDS), err.toString());
        return out.toString();
    }

    @Test
    void theCaAndTheSniNameVerifyTheServerAndTheHalfCloseGetsTheReply() throws Exception {
        assertEquals("HELLO OVER TLS\n", run(ClientTls.of(ca.caCert(), false, "forkd.test", true)));
        assertEquals("forkd.test", sni.get());
    }

    @Test
    void insecureTakesAnyCertificate() throws Exception {
        assertEquals("HELLO OVER TLS\n", run(ClientTls.of(null, true, null, true)));
        assertEquals("", sni.get(), "no SNI for an IP address");
    }

    @Test
    void aServerNotSignedByTheCaOrNotNamedSoIsRefused() throws Exception {
        TestCertificates other = TestCertificates.authority(dir.resolve("other"), "another CA");
        ServerAddress target = ServerAddress.parse("127.0.0.1:" + server.getLocalPort());
        TcpConnector.ConnectFailedException wrongCa = assertThrows(TcpConnector.ConnectFailedException.class,
                () -> TcpConnector.connect(target, WAIT, ClientTls.of(other.caCert(), false, "forkd.test", true)).close());
        assertTrue(wrongCa.getMessage().startsWith("TLS handshake with 127.0.0.1:" + server.getLocalPort() + " failed: "), wrongCa.getMessage());
        TcpConnector.ConnectFailedException wrongName = assertThrows(TcpConnector.ConnectFailedException.class,
                () -> TcpConnector.connect(target, WAIT, ClientTls.of(ca.caCert(), false, "other.test", true)).close());
        assertTrue(wrongName.getMessage().contains("failed"), wrongName.getMessage());
    }

    @Test
    void aMissingCaFileIsOneLine() {
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> ClientTls.of(dir.resolve("none.pem"), false, null, true));
        assertEquals("--ca " + dir.resolve("none.pem") + ": no such file", e.getMessage());
    }

    @Test
    void fullHandshakesUseAFreshSessionEachTime() throws Exception {
        ServerAddress target = ServerAddress.parse("127.0.0.1:" + server.getLocalPort());
        ClientTls fresh = ClientTls.of(ca.caCert(), false, "forkd.test", false);
        byte[] first;
        try (Socket a = TcpConnector.connect(target, WAIT, fresh)) {
            first = ((SSLSocket) a).getSession().getId();
        }
        try (Socket b = TcpConnector.connect(target, WAIT, fresh)) {
            assertTrue(!java.util.Arrays.equals(first, ((SSLSocket) b).getSession().getId()) || first.length == 0);
        }
    }
}
