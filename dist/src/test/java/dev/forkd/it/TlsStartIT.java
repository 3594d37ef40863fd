package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.tls.TestCertificates;
import dev.forkd.supervisor.tls.TestCertificates.KeyFormat;
import dev.forkd.supervisor.tls.TestCertificates.KeyType;
import dev.forkd.supervisor.tls.TestCertificates.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What TLS does before a connection needs it, and so passes before the Netty pipeline is wired: the
 * shaded forkd.jar loads BoringSSL's native library, a certificate that cannot be used stops forkd
 * with exit 4 and one clear line, and HUP and `forkd reload` read the files again, keeping the old
 * ones when a new one is bad.
 */
class TlsStartIT {
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(60);
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static Pair server;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCertificates.authority(dir.resolve("ca"), "forkd IT CA");
        server = ca.server(KeyType.EC, KeyFormat.TRADITIONAL, "localhost", "forkd.test");
    }

    @Test
    void theShadedJarTerminatesWithOpenSsl() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("tls-provider", "--workers", "1",
                "--tls-cert", server.cert().toString(), "--tls-key", server.key().toString())) {
            forkd.awaitLine("TLS: OpenSSL provider \\(BoringSSL", ForkdProcess.START_TIMEOUT);
            forkd.awaitLine("TLS: serving .* \\(EC key\\) for localhost, forkd.test \\(the default\\)", Duration.ofSeconds(5));
            forkd.port();
            assertEquals(0, forkd.countLines("JDK's provider"), forkd.output());
        }
    }

    @Test
    void theJarCarriesLinuxsTwoNativeLibrariesAndNoOther() throws Exception {
        try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(ForkdProcess.jar().toFile())) {
            java.util.List<String> natives = jar.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(n -> n.startsWith("META-INF/native/") && n.contains("tcnative")).sorted().collect(java.util.stream.Collectors.toList());
            assertEquals(java.util.List.of("META-INF/native/libnetty_tcnative_linux_aarch_64.so", "META-INF/native/libnetty_tcnative_linux_x86_64.so"),
                    natives);
            assertEquals(null, jar.getEntry("META-INF/INDEX.LIST"), "a jar index would hide every class it does not list");
        }
    }

    @Test
    void aCertificateThatCannotBeUsedIsExit4WithOneLine() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.key"), "not a key\n");
        try (ForkdProcess forkd = ForkdProcess.serve("tls-bad-key", "--workers", "1",
                "--tls-cert", server.cert().toString(), "--tls-key", garbage.toString())) {
            assertEquals(4, forkd.awaitExit(ForkdProcess.START_TIMEOUT));
            forkd.awaitLine("ERROR .*--tls-key .*garbage.key: no PEM private key in it", Duration.ofSeconds(5));
            assertEquals(0, forkd.countLines("^\\s+at "), "no stack trace: " + forkd.output());
            assertEquals(0, forkd.countLines("listening on"), "nothing was served");
        }
        try (ForkdProcess forkd = ForkdProcess.serve("tls-missing-cert", "--workers", "1",
                "--tls-cert", dir.resolve("missing.pem").toString(), "--tls-key", server.key().toString())) {
            assertEquals(4, forkd.awaitExit(ForkdProcess.START_TIMEOUT));
            forkd.awaitLine("ERROR .*--tls-cert .*missing.pem: no such file", Duration.ofSeconds(5));
        }
    }

    @Test
    void hupAndForkdReloadKeepTheOldCertificatesWhenANewFileIsBad(@TempDir Path live) throws Exception {
        Path cert = Files.copy(server.cert(), live.resolve("server.pem"));
        Path key = Files.copy(server.key(), live.resolve("server.key"));
        try (ForkdProcess forkd = ForkdProcess.serve("tls-reload", "--workers", "1", "--admin", "127.0.0.1:0",
                "--tls-cert", cert.toString(), "--tls-key", key.toString())) {
            forkd.port();
            Admin admin = new Admin(forkd);
            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
            forkd.signal("HUP");
            forkd.awaitLine("ERROR .*TLS: reload refused, still serving the certificates loaded before: --tls-key .*server.key",
                    Duration.ofSeconds(30));
            forkd.awaitLine("rolling restart complete", Duration.ofSeconds(120));
            String address = "127.0.0.1:" + admin.port();
            try (CommandProcess reload = CommandProcess.start("tls-reload-cli-bad", "reload", "--admin", address)) {
                assertEquals(1, reload.awaitExit(CLI_TIMEOUT), reload.stderr());
                assertTrue(reload.stdout().contains("TLS certificates: kept the previous certificates: see forkd's log"), reload.stdout());
            }
            forkd.awaitLine("rolling restart complete", Duration.ofSeconds(120));
            Pair renewed = ca.server(KeyType.RSA, KeyFormat.PKCS8, "localhost");
            Files.copy(renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
            try (CommandProcess reload = CommandProcess.start("tls-reload-cli-good", "reload", "--admin", address)) {
                assertEquals(0, reload.awaitExit(CLI_TIMEOUT), reload.stderr());
                assertTrue(reload.stdout().contains("TLS certificates: reloaded"), reload.stdout());
            }
            forkd.awaitLine("TLS: reloaded .*server.pem \\(RSA key\\) for localhost", Duration.ofSeconds(10));
            assertFalse(forkd.output().contains("bm90IGEga2V5"), "the key file's content is never logged");
        }
    }
}
