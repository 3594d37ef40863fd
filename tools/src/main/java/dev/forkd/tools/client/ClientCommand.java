package dev.forkd.tools.client;

import dev.forkd.tools.tls.ClientTls;
import dev.forkd.shared.ExitCodes;
import dev.forkd.supervisor.cli.Converters;
import dev.forkd.supervisor.cli.VersionProvider;
import dev.forkd.shared.framing.Framing;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "client",
        mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = ExitCodes.USAGE,
        exitCodeOnExecutionException = ExitCodes.INTERNAL,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpWidth = 100,
        description = {
            "Send each line of standard input as one message, and print each reply.",
            "raw: sends the line and a \\n, and prints the reply bytes as they come; at the end of input it",
            "half-closes the connection and prints until the server closes it.",
            "line, length, fixed: sends one framed message per line and prints each reply frame on its own",
            "line; exits once the input has ended and every message has had its reply. Sends a heartbeat",
            "ping every --heartbeat and does not print its pong (a line that is itself a ping gets its pong",
            "printed). In fixed framing a line is padded with spaces to --fixed-size (a longer line is",
            "reported and not sent), and the trailing spaces of a reply record are not printed.",
            "json: an interactive JSON client. Each line must be one JSON value and is sent as typed (a line",
            "that is not, or holds two, is reported and not sent; a blank line is skipped). Each value the",
            "server sends is printed on its own line as it arrives, whether or not it answers a line (a chat",
            "room's messages do not). Heartbeats as above. At the end of input it half-closes the connection",
            "and prints until the server closes it.",
            ""
        },
        footer = {
            "",
            "Durations: 500ms, 10s, 2m.  Sizes: 512, 64KiB, 1MiB.  IPv6: [::1]:8888.",
            "Exit codes: 0 done, 1 the server cannot be reached or went away (or a line was not sent),",
            "2 bad command line."
        })
public final class ClientCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Standard input; a field so that tests can give their own. */
    InputStream stdin = System.in;

    @Parameters(index = "0", paramLabel = "HOST:PORT", converter = ServerAddress.Converter.class,
            description = "The server: HOST:PORT, [IPv6]:PORT, or :PORT for 127.0.0.1.")
    ServerAddress target;

    @Option(names = "--framing", paramLabel = "FRAMING", defaultValue = "raw", converter = Converters.FramingConverter.class,
            description = "raw, line, length, fixed or json; the server's --framing. Default: ${DEFAULT-VALUE}.")
    Framing framing;

    @Option(names = "--fixed-size", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
            description = "Record size for --framing fixed.")
    Integer fixedSize;

    @Option(names = "--max-frame", paramLabel = "SIZE", defaultValue = "1MiB", converter = Converters.SizeConverter.class,
            description = "Largest reply accepted in line, length and json framing. Default: ${DEFAULT-VALUE}.")
    int maxFrame;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "30s", converter = Converters.DurationConverter.class,
            description = "Send a heartbeat ping this often in framed modes; 0 = never. Default: ${DEFAULT-VALUE}.")
    Duration heartbeat;

    @Mixin
    ClientTlsOptions tlsOptions = new ClientTlsOptions();

    @Override
    public Integer call() throws InterruptedException {
        validate();
        ClientTls tls = tlsOptions.resolve(spec.commandLine(), true);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClientSession session = new ClientSession(target, framing, maxFrame, fixedSize == null ? 0 : fixedSize,
                heartbeat, stdin, out, err, tls);
        try {
            long skipped = session.run();
            return skipped == 0 ? 0 : 1;
        } catch (ClientSession.ClientFailure e) {
            out.flush();
            err.println("forkd client: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    /** Rejects what cannot work (exit 2), as `forkd serve` does. */
    void validate() {
        require(maxFrame >= 1, "--max-frame must be at least 1 byte");
        require(framing != Framing.FIXED || fixedSize != null, "--framing fixed needs --fixed-size");
        require(fixedSize == null || fixedSize >= 1, "--fixed-size must be at least 1 byte");
        require(fixedSize == null || framing == Framing.FIXED, "--fixed-size goes with --framing fixed");
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
