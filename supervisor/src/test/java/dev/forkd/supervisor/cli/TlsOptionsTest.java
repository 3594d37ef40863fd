package dev.forkd.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.forkd.supervisor.tls.ClientAuthMode;
import dev.forkd.supervisor.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** The --tls-* options of `forkd serve`: what the command line alone can tell (the files are read at start). */
class TlsOptionsTest {
    private static TlsSettings resolve(String... args) {
        CommandLine cl = new CommandLine(new ServeCommand());
        cl.parseArgs(args);
        return cl.<ServeCommand>getCommand().resolve().tls();
    }

    private static String refusal(String... args) {
        return assertThrows(ParameterException.class, () -> resolve(args)).getMessage();
    }

    @Test
    void offByDefault() {
        TlsSettings tls = resolve();
        assertFalse(tls.enabled());
    }

    @Test
    void pairsInOrderAndDefaults() {
        TlsSettings tls = resolve("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-cert", "b.pem", "--tls-key", "b.key");
        assertEquals(List.of(new TlsSettings.CertificateFiles(Path.of("a.pem"), Path.of("a.key")),
                new TlsSettings.CertificateFiles(Path.of("b.pem"), Path.of("b.key"))), tls.pairs());
        assertEquals(Duration.ofSeconds(10), tls.handshakeTimeout());
        assertEquals(ClientAuthMode.NONE, tls.clientAuth());
        assertNull(tls.clientCa());
        assertEquals(List.of(), tls.alpn());
    }

    @Test
    void aClientCaRequiresCertificatesUnlessOptional() {
        assertEquals(ClientAuthMode.REQUIRE, resolve("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-client-ca", "ca.pem").clientAuth());
        assertEquals(ClientAuthMode.OPTIONAL, resolve("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-client-ca", "ca.pem",
                "--tls-client-auth", "optional").clientAuth());
        assertEquals("--tls-client-auth must be none, optional or require, not 'maybe'", refusal("--tls-cert", "a.pem", "--tls-key", "a.key",
                "--tls-client-ca", "ca.pem", "--tls-client-auth", "maybe"));
        assertEquals("--tls-client-auth goes with --tls-client-ca", refusal("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-client-auth", "require"));
        assertEquals("--tls-client-auth none: leave out --tls-client-ca instead", refusal("--tls-cert", "a.pem", "--tls-key", "a.key",
                "--tls-client-ca", "ca.pem", "--tls-client-auth", "none"));
    }

    @Test
    void alpnAndTimeout() {
        TlsSettings tls = resolve("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-alpn", "h2,http/1.1", "--tls-handshake-timeout", "3s");
        assertEquals(List.of("h2", "http/1.1"), tls.alpn());
        assertEquals(Duration.ofSeconds(3), tls.handshakeTimeout());
        assertEquals("--tls-alpn: 'h 2' is not a protocol name (e.g. h2, http/1.1)",
                refusal("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-alpn", "h 2"));
        assertEquals("--tls-handshake-timeout must be more than 0", refusal("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-handshake-timeout", "0"));
    }

    @Test
    void whatCannotWorkIsABadCommandLine() {
        assertEquals("each --tls-cert needs its --tls-key (given: 2 certificate(s), 1 key(s))",
                refusal("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-cert", "b.pem"));
        assertEquals("--tls-key goes with --tls-cert", refusal("--tls-key", "a.key"));
        assertEquals("--tls-client-ca, --tls-client-auth and --tls-alpn go with --tls-cert and --tls-key", refusal("--tls-client-ca", "ca.pem"));
        assertEquals("--tls-client-ca, --tls-client-auth and --tls-alpn go with --tls-cert and --tls-key", refusal("--tls-alpn", "h2"));
    }
}
