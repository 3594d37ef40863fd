package dev.forkd.supervisor.cli;

import dev.forkd.supervisor.tls.ClientAuthMode;
import dev.forkd.supervisor.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The TLS options of `forkd serve`, a mixin so that ServeCommand stays one screen of the other
 * options. Only the command line is checked here (pairs, combinations, syntax); the files are read
 * when forkd starts (exit 4 if one cannot be used) and on every reload.
 */
final class TlsOptions {
    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Terminate TLS with this PEM certificate chain (leaf first), with the --tls-key in the same position. "
                    + "Repeatable: the first pair is the default, the others are chosen by the client's SNI name (their certificates' DNS names and CN).")
    List<Path> certificates = new ArrayList<>();

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The private key of the --tls-cert in the same position: PEM, RSA or EC, PKCS#8 or traditional, unencrypted. "
                    + "It stays in the supervisor: workers never see it.")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--tls-client-ca", paramLabel = "FILE",
            description = "Mutual TLS: client certificates must be signed by a CA in this PEM file (see --tls-client-auth).")
    Path clientCa;

    @Option(names = "--tls-client-auth", paramLabel = "MODE",
            description = "With --tls-client-ca: require (a client without a valid certificate is refused) or optional. Default: require.")
    String clientAuth;

    @Option(names = "--tls-alpn", paramLabel = "LIST", split = ",",
            description = "ALPN protocols offered, in order of preference, e.g. h2,http/1.1; the chosen one is passed to the worker. Default: none.")
    List<String> alpn = new ArrayList<>();

    @Option(names = "--tls-handshake-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "A client that has not finished its TLS handshake after this long is closed. Default: ${DEFAULT-VALUE}.")
    Duration handshakeTimeout;

    /** The settings, or {@link TlsSettings#off()} without --tls-cert; a ParameterException (exit 2) for what cannot work. */
    TlsSettings resolve(CommandLine cl) {
        if (certificates.isEmpty()) {
            require(cl, keys.isEmpty(), "--tls-key goes with --tls-cert");
            require(cl, clientCa == null && clientAuth == null && alpn.isEmpty(),
                    "--tls-client-ca, --tls-client-auth and --tls-alpn go with --tls-cert and --tls-key");
            return TlsSettings.off();
        }
        require(cl, certificates.size() == keys.size(), "each --tls-cert needs its --tls-key (given: " + certificates.size()
                + " certificate(s), " + keys.size() + " key(s))");
        require(cl, clientAuth == null || clientCa != null, "--tls-client-auth goes with --tls-client-ca");
        ClientAuthMode mode = ClientAuthMode.NONE;
        if (clientCa != null) {
            try {
                mode = clientAuth == null ? ClientAuthMode.REQUIRE : ClientAuthMode.parse(clientAuth);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cl, "--tls-client-auth " + e.getMessage());
            }
            require(cl, mode != ClientAuthMode.NONE, "--tls-client-auth none: leave out --tls-client-ca instead");
        }
        for (String protocol : alpn) {
            // RFC 7301: 1 to 255 bytes; printable ASCII is all any registered protocol uses
            require(cl, protocol.matches("[\\x21-\\x7e]{1,255}"), "--tls-alpn: '" + protocol + "' is not a protocol name (e.g. h2, http/1.1)");
        }
        require(cl, !handshakeTimeout.isZero(), "--tls-handshake-timeout must be more than 0");
        List<TlsSettings.CertificateFiles> pairs = new ArrayList<>();
        for (int i = 0; i < certificates.size(); i++) {
            pairs.add(new TlsSettings.CertificateFiles(certificates.get(i), keys.get(i)));
        }
        return new TlsSettings(pairs, clientCa, mode, alpn, handshakeTimeout);
    }

    private static void require(CommandLine cl, boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(cl, message);
        }
    }
}
