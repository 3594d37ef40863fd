package dev.forkd.supervisor.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.proxy.TlsFacts;
import dev.forkd.supervisor.tls.TestCertificates.KeyFormat;
import dev.forkd.supervisor.tls.TestCertificates.KeyType;
import dev.forkd.supervisor.tls.TestCertificates.Pair;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Certificates made by openssl at test time, handshakes between two channels in memory, both providers. */
class TlsTerminatorTest {
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static Pair alphaRsa;
    static Pair betaEc;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCertificates.authority(dir.resolve("ca"), "forkd test CA");
        alphaRsa = ca.server(KeyType.RSA, KeyFormat.PKCS8, "alpha.test", "www.alpha.test");
        betaEc = ca.server(KeyType.EC, KeyFormat.PKCS8, "beta.test", "*.beta.test");
    }

    static Stream<Arguments> keysAndProviders() {
        List<Arguments> all = new ArrayList<>();
        for (SslProvider provider : providers()) {
            for (KeyType type : KeyType.values()) {
                for (KeyFormat format : KeyFormat.values()) {
                    all.add(Arguments.of(provider, type, format));
                }
            }
        }
        return all.stream();
    }

    static List<SslProvider> providers() {
        return OpenSsl.isAvailable() ? List.of(SslProvider.OPENSSL, SslProvider.JDK) : List.of(SslProvider.JDK);
    }

    static TlsSettings settings(Pair... pairs) {
        return settings(null, ClientAuthMode.NONE, List.of(), pairs);
    }

    static TlsSettings settings(Path clientCa, ClientAuthMode auth, List<String> alpn, Pair... pairs) {
        List<TlsSettings.CertificateFiles> files = new ArrayList<>();
        for (Pair p : pairs) {
            files.add(new TlsSettings.CertificateFiles(p.cert(), p.key()));
        }
        return new TlsSettings(files, clientCa, auth, alpn, Duration.ofSeconds(10));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("keysAndProviders")
    void everyKeyKindServesTls13(SslProvider provider, KeyType type, KeyFormat format) throws Exception {
        Pair pair = ca.server(type, format, "kind.test");
        String firstLine = Files.readAllLines(pair.key()).get(0);
        assertEquals(format == KeyFormat.PKCS8 ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN " + type + " PRIVATE KEY-----", firstLine,
                "openssl wrote the key form under test");
        TlsTerminator tls = TlsTerminator.start(settings(pair), provider);
        Handshakes h = new Handshakes(tls.newHandler(), Handshakes.client(ca.caCert(), SslProvider.JDK).build(), "kind.test");
        try {
            assertTrue(h.clientDone(), () -> "handshake failed: " + h.serverEvents.errors);
            assertEquals("TLSv1.3", h.clientSsl.engine().getSession().getProtocol());
            assertEquals(type == KeyType.EC ? "EC" : "RSA", h.serverCertificate().getPublicKey().getAlgorithm());
        } finally {
            h.close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void sniPicksTheCertificateAndTheFirstIsTheDefault(SslProvider provider) throws Exception {
        TlsTerminator tls = TlsTerminator.start(settings(alphaRsa, betaEc), provider);
        assertEquals("CN=beta.test", subjectSeenFor(tls, "beta.test"));
        assertEquals("CN=beta.test", subjectSeenFor(tls, "api.beta.test"), "a wildcard SAN");
        assertEquals("CN=alpha.test", subjectSeenFor(tls, "www.alpha.test"));
        assertEquals("CN=alpha.test", subjectSeenFor(tls, "unknown.test"), "an unknown name gets the default");
        assertEquals("CN=alpha.test", subjectSeenFor(tls, null), "no SNI gets the default");
    }

    private static String subjectSeenFor(TlsTerminator tls, String sni) throws Exception {
        Handshakes h = new Handshakes(tls.newHandler(), Handshakes.client(ca.caCert(), SslProvider.JDK).build(), sni);
        try {
            assertTrue(h.clientDone(), () -> "handshake failed for " + sni + ": " + h.serverEvents.errors);
            assertEquals(sni, h.server.attr(TlsTerminator.SNI_HOSTNAME).get());
            return h.serverCertificate().getSubjectX500Principal().getName();
        } finally {
            h.close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void tls11IsRefused(SslProvider provider) throws Exception {
        TlsTerminator tls = TlsTerminator.start(settings(betaEc), provider);
        // BoringSSL still speaks TLS 1.1 as a client; the JDK's client no longer does (jdk.tls.disabledAlgorithms)
        SslProvider clientProvider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        org.junit.jupiter.api.Assumptions.assumeTrue(clientProvider == SslProvider.OPENSSL, "needs a client that can offer TLS 1.1");
        Handshakes control = new Handshakes(tls.newHandler(),
                Handshakes.client(ca.caCert(), clientProvider).protocols("TLSv1.2").build(), "beta.test");
        assertTrue(control.clientDone(), "the same client, at TLS 1.2, is served: " + control.serverEvents.errors);
        control.close();
        Handshakes h = new Handshakes(tls.newHandler(),
                Handshakes.client(ca.caCert(), clientProvider).protocols("TLSv1.1").ciphers(List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")).build(),
                "beta.test");
        try {
            assertFalse(h.clientDone());
            assertNotNull(h.serverEvents.handshake(), "the server saw the ClientHello and ended the handshake");
            assertFalse(h.serverEvents.handshake().isSuccess());
        } finally {
            h.close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void factsAfterAMutualHandshake(SslProvider provider) throws Exception {
        Pair client = ca.client("client-7");
        TlsTerminator tls = TlsTerminator.start(settings(ca.caCert(), ClientAuthMode.REQUIRE, List.of("h2", "http/1.1"), betaEc), provider);
        SslContext clientContext = Handshakes.alpn(Handshakes.client(ca.caCert(), SslProvider.JDK)
                .keyManager(client.cert().toFile(), client.key().toFile()), "http/1.1").build();
        Handshakes h = new Handshakes(tls.newHandler(), clientContext, "beta.test");
        try {
            assertTrue(h.clientDone(), () -> "handshake failed: " + h.serverEvents.errors);
            assertTrue(h.serverEvents.handshake().isSuccess());
            TlsFacts facts = ChannelTls.of(h.server);
            assertEquals(new TlsFacts("TLSv1.3", h.clientSsl.engine().getSession().getCipherSuite(), true, true, "client-7", "http/1.1", "beta.test"), facts);
            assertEquals(facts, ChannelTls.of(h.serverSsl(), "beta.test"));
        } finally {
            h.close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void requireRefusesAClientWithoutACertificateAndOptionalServesIt(SslProvider provider) throws Exception {
        SslContext anonymous = Handshakes.client(ca.caCert(), SslProvider.JDK).build();
        TlsTerminator required = TlsTerminator.start(settings(ca.caCert(), ClientAuthMode.REQUIRE, List.of(), betaEc), provider);
        Handshakes refused = new Handshakes(required.newHandler(), anonymous, "beta.test");
        try {
            assertNotNull(refused.serverEvents.handshake());
            assertFalse(refused.serverEvents.handshake().isSuccess(), "no certificate, no handshake");
        } finally {
            refused.close();
        }
        TlsTerminator optional = TlsTerminator.start(settings(ca.caCert(), ClientAuthMode.OPTIONAL, List.of(), betaEc), provider);
        Handshakes served = new Handshakes(optional.newHandler(), anonymous, null);
        try {
            assertTrue(served.clientDone(), () -> "handshake failed: " + served.serverEvents.errors);
            TlsFacts facts = ChannelTls.of(served.server);
            assertFalse(facts.clientCertificatePresented());
            assertFalse(facts.clientCertificateVerified());
            assertNull(facts.clientCommonName());
            assertNull(facts.serverName());
            assertNull(facts.applicationProtocol());
        } finally {
            served.close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aClientCertificateFromAnotherCaIsRefused(SslProvider provider) throws Exception {
        TestCertificates other = TestCertificates.authority(dir.resolve("other"), "another CA");
        Pair stranger = other.client("stranger");
        TlsTerminator tls = TlsTerminator.start(settings(ca.caCert(), ClientAuthMode.OPTIONAL, List.of(), betaEc), provider);
        SslContext clientContext = Handshakes.client(ca.caCert(), SslProvider.JDK).keyManager(Handshakes.insistentKeyManager(stranger)).build();
        Handshakes h = new Handshakes(tls.newHandler(), clientContext, "beta.test");
        try {
            assertFalse(h.serverEvents.handshake().isSuccess(), "optional still refuses a certificate it cannot verify");
        } finally {
            h.close();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void reloadWithABadFileKeepsTheOldCertificatesAndAGoodOneSwapsThem(SslProvider provider, @TempDir Path live) throws Exception {
        Path cert = live.resolve("server.pem");
        Path key = live.resolve("server.key");
        Files.copy(betaEc.cert(), cert);
        Files.copy(betaEc.key(), key);
        TlsTerminator tls = TlsTerminator.start(settings(new Pair(cert, key)), provider);
        java.math.BigInteger first = servedSerial(tls);

        Pair renewed = ca.server(KeyType.EC, KeyFormat.TRADITIONAL, "beta.test");
        Files.copy(renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        assertFalse(tls.reload(), "a key that cannot be read is refused");
        assertEquals(first, servedSerial(tls), "the old certificate still serves");
        Files.copy(alphaRsa.key(), key, StandardCopyOption.REPLACE_EXISTING);
        assertFalse(tls.reload(), "a key of another certificate is refused");
        Files.delete(key);
        assertFalse(tls.reload(), "a missing key is refused");
        assertEquals(first, servedSerial(tls));

        Files.copy(renewed.key(), key);
        assertTrue(tls.reload());
        java.math.BigInteger second = servedSerial(tls);
        assertFalse(first.equals(second), "new handshakes get the new certificate");
    }

    private static java.math.BigInteger servedSerial(TlsTerminator tls) throws Exception {
        Handshakes h = new Handshakes(tls.newHandler(), Handshakes.client(ca.caCert(), SslProvider.JDK).build(), "beta.test");
        try {
            assertTrue(h.clientDone(), () -> "handshake failed: " + h.serverEvents.errors);
            return h.serverCertificate().getSerialNumber();
        } finally {
            h.close();
        }
    }

    @Test
    void aHandshakeThatNeverComesTimesOut() throws Exception {
        TlsSettings quick = new TlsSettings(settings(betaEc).pairs(), null, ClientAuthMode.NONE, List.of(), Duration.ofMillis(50));
        TlsTerminator tls = TlsTerminator.start(quick, providers().get(0));
        io.netty.channel.embedded.EmbeddedChannel silent = new io.netty.channel.embedded.EmbeddedChannel(tls.newHandler(), new Handshakes.Recorder());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (silent.isOpen() && System.nanoTime() - deadline < 0) {
            silent.runScheduledPendingTasks();
            Thread.onSpinWait();
        }
        assertFalse(silent.isOpen(), "a client that sends no ClientHello is closed after the handshake timeout");
        silent.finishAndReleaseAll();
    }

    @Test
    void aClientThatStallsAfterItsClientHelloTimesOutToo() throws Exception {
        TlsSettings quick = new TlsSettings(settings(betaEc).pairs(), null, ClientAuthMode.NONE, List.of(), Duration.ofMillis(300));
        TlsTerminator tls = TlsTerminator.start(quick, providers().get(0));
        io.netty.channel.embedded.EmbeddedChannel server = new io.netty.channel.embedded.EmbeddedChannel(tls.newHandler(), new Handshakes.Recorder());
        io.netty.channel.embedded.EmbeddedChannel client = new io.netty.channel.embedded.EmbeddedChannel(
                Handshakes.client(ca.caCert(), SslProvider.JDK).build().newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, "beta.test", 443));
        // the ClientHello only: the server picks its certificate and answers, and the client never says more
        for (Object hello; (hello = client.readOutbound()) != null; ) {
            server.writeInbound(hello);
        }
        server.runPendingTasks();
        assertNotNull(server.pipeline().get(io.netty.handler.ssl.SslHandler.class), "past SNI: the handshake itself is what stalls");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.isOpen() && System.nanoTime() - deadline < 0) {
            server.runScheduledPendingTasks();
            Thread.onSpinWait();
        }
        assertFalse(server.isOpen(), "closed after --tls-handshake-timeout");
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    @Test
    void handshakesAndFailuresAreCounted() throws Exception {
        TlsTerminator tls = TlsTerminator.start(settings(betaEc), SslProvider.JDK);
        java.net.InetSocketAddress peer = new java.net.InetSocketAddress("127.0.0.1", 40000);
        tls.handshakeDone(io.netty.handler.ssl.SslHandshakeCompletionEvent.SUCCESS, peer);
        tls.handshakeDone(new io.netty.handler.ssl.SniCompletionEvent("beta.test"), peer);
        tls.handshakeDone(new io.netty.handler.ssl.SslHandshakeCompletionEvent(
                new io.netty.handler.codec.DecoderException(new javax.net.ssl.SSLHandshakeException("no cipher suites in common"))), peer);
        tls.handshakeDone(new io.netty.handler.ssl.SniCompletionEvent(new io.netty.handler.ssl.SslHandshakeTimeoutException("timed out")), peer);
        assertEquals(1, tls.handshakes(), "the SNI stage is not a handshake");
        assertEquals(2, tls.handshakeFailures());
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void namesComeFromTheSansAndTheCn(KeyType type) throws Exception {
        Pair p = ca.server(type, KeyFormat.PKCS8, "gamma.test", "*.gamma.test", "Other.Test");
        TlsTerminator tls = TlsTerminator.start(settings(p), SslProvider.JDK);
        assertEquals(List.of("gamma.test", "*.gamma.test", "other.test"), List.copyOf(tls.entries().get(0).names()));
    }

    @Test
    void badFilesAreClearErrors(@TempDir Path bad) throws Exception {
        Path garbage = Files.writeString(bad.resolve("garbage.pem"), "hello\n");
        Path encrypted = bad.resolve("encrypted.key");
        TestCertificates.openssl(bad, "pkcs8", "-topk8", "-in", betaEc.key().toString(), "-out", encrypted.toString(), "-passout", "pass:secret");
        assertError("no such file", settings(new Pair(bad.resolve("missing.pem"), betaEc.key())));
        assertError("no PEM certificate", settings(new Pair(garbage, betaEc.key())));
        assertError("no PEM private key", settings(new Pair(betaEc.cert(), garbage)));
        assertError("encrypted", settings(new Pair(betaEc.cert(), encrypted)));
        assertError("is not the certificate's", settings(new Pair(betaEc.cert(), alphaRsa.key())));
        Pair otherEc = ca.server(KeyType.EC, KeyFormat.PKCS8, "delta.test");
        assertError("does not belong to the certificate", settings(new Pair(betaEc.cert(), otherEc.key())));
        assertError("--tls-client-ca", settings(garbage, ClientAuthMode.REQUIRE, List.of(), betaEc));
    }

    private static void assertError(String expected, TlsSettings settings) {
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> TlsTerminator.start(settings, SslProvider.JDK));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("MII"), "no key material in the message");
    }
}
