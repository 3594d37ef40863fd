package dev.forkd.tools.client;

import dev.forkd.tools.tls.ClientTls;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** --tls, --ca, --insecure, --sni: shared by `forkd client` and `forkd bench`. */
public final class ClientTlsOptions {
    @Option(names = "--tls", description = "Speak TLS to the server (a `forkd serve --tls-cert ...`).")
    boolean tls;

    @Option(names = "--ca", paramLabel = "FILE",
            description = "With --tls: trust the CA certificates in this PEM file instead of the JDK's (e.g. the CA of a test certificate).")
    Path ca;

    @Option(names = "--insecure", description = "With --tls: do not check the server's certificate nor its name (encrypted, not authenticated).")
    boolean insecure;

    @Option(names = "--sni", paramLabel = "NAME",
            description = "With --tls: the server name to send and to check the certificate against. Default: the host given, unless it is an IP address.")
    String sni;

    public boolean enabled() {
        return tls;
    }

    /** Null without --tls; a ParameterException (exit 2) for options that do not go together. */
    public ClientTls resolve(CommandLine cl, boolean resume) {
        if (!tls) {
            if (ca != null || insecure || sni != null) {
                throw new ParameterException(cl, "--ca, --insecure and --sni go with --tls");
            }
            return null;
        }
        if (ca != null && insecure) {
            throw new ParameterException(cl, "--ca and --insecure contradict each other: give one");
        }
        try {
            return ClientTls.of(ca, insecure, sni, resume);
        } catch (IOException e) {
            throw new ParameterException(cl, e.getMessage());
        }
    }
}
