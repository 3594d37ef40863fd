package dev.forkd.tools.bench;

import dev.forkd.shared.ExitCodes;
import dev.forkd.shared.compute.ComputeWork;
import dev.forkd.supervisor.Model;
import dev.forkd.supervisor.cli.Converters;
import dev.forkd.supervisor.cli.VersionProvider;
import dev.forkd.tools.client.ClientTlsOptions;
import dev.forkd.tools.client.ServerAddress;
import dev.forkd.shared.framing.Framing;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bench",
        mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = ExitCodes.USAGE,
        exitCodeOnExecutionException = ExitCodes.INTERNAL,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpWidth = 100,
        description = {
            "Measure the throughput and latency of a request/response server.",
            "Each connection sends a message of --size lowercase letters (json: a string of --size bytes,",
            "quotes included) and waits for its whole reply",
            "(framed: one frame; raw: as many bytes as it sent) before it sends the next (closed loop).",
            "With --rate, messages go out on a schedule instead (open loop), and latency is measured from",
            "each message's intended send time, so that a stalled server is charged for every message it",
            "held up. Prints throughput, latency percentiles and errors (connect, closed, reset, timeout,",
            "wrong reply). A connection that fails is counted and made again. All connections are made",
            "before the clock starts.",
            "The defaults suit a default `forkd serve` on the same machine: raw framing, the upper handler,",
            "and as many connections as it has workers (2 x CPUs), each of which it serves at once.",
            ""
        },
        footer = {
            "",
            "Durations: 500ms, 10s, 2m.  Sizes: 512, 64KiB, 1MiB.  IPv6: [::1]:8888.",
            "Capacity: a prefork `forkd serve` serves --workers connections at a time and keeps the rest",
            "waiting in its queue. A connection that waits for its first reply (longer than 250ms, 10 round",
            "trips and 5 x the fastest first reply), or gets none within --timeout, is reported under",
            "`capacity:`, not as an error: the server's capacity, not the network, limited the run.",
            "Lower --connections or raise the server's --workers.",
            "Exit codes: 0 the run took place (errors are in the report), 1 no connection could be made,",
            "2 bad command line."
        })
public final class BenchCommand implements Callable<Integer> {
    /** A thread each: more than this is a job for a different tool. */
    static final int MAX_CONNECTIONS = 10_000;
    /** Every connection holds its message, the expected reply and a read buffer. */
    static final long MAX_BUFFERED = 256L << 20;
    /** Replies a connection may owe at once: enough to keep one server thread busy, not a flood. */
    static final int MAX_PIPELINE = 1024;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT", converter = ServerAddress.Converter.class,
            description = "The server: HOST:PORT, [IPv6]:PORT, or :PORT for 127.0.0.1.")
    ServerAddress target;

    @Option(names = "--connections", paramLabel = "N",
            description = "Concurrent connections. Default: 2 x this machine's CPUs, the workers of a default `forkd serve` here"
                    + " (each serves one connection at a time).")
    Integer connections;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "How long to measure. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "64", converter = Converters.SizeConverter.class,
            description = "Message size in bytes, before framing (in fixed framing: the record size). Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--framing", paramLabel = "FRAMING", defaultValue = "raw", converter = Converters.FramingConverter.class,
            description = "raw, line, length, fixed or json; must match the server's --framing. Default: ${DEFAULT-VALUE}.")
    Framing framing;

    @Option(names = "--rate", paramLabel = "N",
            description = "Open loop: N messages per second in total, evenly spread over the connections. Default: closed loop.")
    Long rate;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "0s", converter = Converters.DurationConverter.class,
            description = "Run this long before measuring. Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = Converters.DurationConverter.class,
            description = "Longest wait for a connection and for each whole reply. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--expect", paramLabel = "REPLY", defaultValue = "upper", converter = Expect.Converter.class,
            description = "The right reply: upper (the message upper-cased, forkd's default handler), echo, sha256 (the message's"
                    + " SHA-256 in hex), json (the message is a JSON document of --size bytes, answered unchanged), or any"
                    + " (anything but an error message). Default: ${DEFAULT-VALUE}.")
    Expect expect;

    @Option(names = "--pipeline", paramLabel = "N", defaultValue = "1",
            description = "Each connection sends N messages in one write, then reads their N replies (framed only),"
                    + " so that a server's per-connection throughput is measured rather than the round trip; each message's"
                    + " latency is then the whole batch's. Default: ${DEFAULT-VALUE}.")
    int pipeline;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Mixin
    ClientTlsOptions tlsOptions = new ClientTlsOptions();

    @Option(names = "--tls-full-handshakes",
            description = "With --tls: a full handshake on every (re)connection, no session resumption. Default: resume where the server allows.")
    boolean fullHandshakes;

    @Override
    public Integer call() throws InterruptedException {
        BenchPlan plan = plan();
        PrintWriter out = spec.commandLine().getOut();
        BenchResult result;
        try {
            result = new BenchRun(plan).run();
        } catch (BenchRun.NoConnectionException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("forkd bench: " + e.getMessage());
            err.flush();
            return 1;
        }
        out.print(json ? BenchReport.json(result) + System.lineSeparator() : BenchReport.text(result));
        out.flush();
        return 0;
    }

    /** Rejects what cannot work (exit 2), as `forkd serve` does. */
    BenchPlan plan() {
        int connections = this.connections != null ? this.connections : defaultConnections(Runtime.getRuntime().availableProcessors());
        require(connections >= 1 && connections <= MAX_CONNECTIONS,
                "--connections must be between 1 and " + MAX_CONNECTIONS + " (a thread each), not " + connections);
        require(!duration.isZero(), "--duration must be more than 0");
        require(size >= 1, "--size must be at least 1 byte");
        require(size >= 2 || framing != Framing.JSON, "--size must be at least 2 bytes in json framing: a JSON string and its quotes");
        require((long) size * connections * 3 <= MAX_BUFFERED,
                "--size times --connections is too much memory (at most " + (MAX_BUFFERED >> 20) + "MiB in all, about 3 x size each)");
        require(rate == null || rate >= 1, "--rate must be at least 1 message per second");
        require(!timeout.isZero(), "--timeout must be more than 0");
        require(pipeline >= 1 && pipeline <= MAX_PIPELINE, "--pipeline must be between 1 and " + MAX_PIPELINE + ", not " + pipeline);
        require(pipeline == 1 || framing != Framing.RAW, "--pipeline needs a framing that keeps messages apart (length, line or fixed), not raw");
        require(pipeline == 1 || rate == null, "--pipeline goes with a closed loop, not --rate");
        require((long) size * pipeline * connections * 3 <= MAX_BUFFERED,
                "--size times --pipeline times --connections is too much memory (at most " + (MAX_BUFFERED >> 20) + "MiB in all)");
        require(expect != Expect.JSON || size >= ComputeWork.MIN_DOCUMENT,
                "--expect json sends JSON documents of --size bytes: at least " + ComputeWork.MIN_DOCUMENT + ", not " + size);
        require(!fullHandshakes || tlsOptions.enabled(), "--tls-full-handshakes goes with --tls");
        return new BenchPlan(target, connections, duration, warmup, size, framing, rate == null ? 0 : rate, timeout, expect, pipeline,
                tlsOptions.resolve(spec.commandLine(), !fullHandshakes));
    }

    /** What a default `forkd serve` on a machine with this many CPUs serves at once: its prefork workers. */
    static int defaultConnections(int processors) {
        return Model.PREFORK.defaultWorkers(processors);
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
