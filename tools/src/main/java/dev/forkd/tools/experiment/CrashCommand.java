package dev.forkd.tools.experiment;

import dev.forkd.shared.ExitCodes;
import dev.forkd.supervisor.Model;
import dev.forkd.supervisor.cli.Converters;
import dev.forkd.supervisor.cli.VersionProvider;
import dev.forkd.tools.experiment.report.Distribution;
import dev.forkd.tools.experiment.report.ExperimentReport;
import dev.forkd.tools.experiment.report.ReportTables;
import dev.forkd.tools.experiment.report.ReportWriter;
import dev.forkd.shared.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** `forkd experiment crash`: what each server model loses when workers crash, measured on real processes. */
@Command(name = "crash",
        mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = ExitCodes.USAGE,
        exitCodeOnExecutionException = ExitCodes.INTERNAL,
        sortOptions = false,
        usageHelpWidth = 100,
        description = {
            "For each model, start a real `forkd serve` with the chaos handler, drive a closed-loop load",
            "(each connection: `pid`, then N `echo` round trips), crash a worker on a seeded schedule, and",
            "record every connection's fate: completed, crashed (it was the crash's target) or collateral.",
            "Writes index.html (self-contained), report.md, results.json, results.csv and PNG plots to --out.",
            ""
        },
        footer = {
            "",
            "Durations: 500ms, 10s, 2m.  The same --seed (with the same --duration and --crash-every) gives the",
            "same crash schedule.",
            "Exit codes: 0 every expectation held, 1 an expectation failed, 2 bad command line (also: a",
            "schedule with no crash), " + CrashCommand.INCONCLUSIVE_EXIT + " inconclusive (no expectation failed, but one could not be",
            "tested: e.g. every crash was skipped), 70 the experiment could not run (e.g. a supervisor did not start)."
        })
final class CrashCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(CrashCommand.class);
    /** No expectation failed, yet one could not be tested (no crash happened, no client was queued): like pytest's "no tests ran". */
    static final int INCONCLUSIVE_EXIT = 5;

    @Spec
    CommandSpec spec;

    // hideParamSyntax: picocli would print split=","'s own syntax around the label, garbling it
    @Option(names = "--models", paramLabel = "MODEL,...", split = ",", hideParamSyntax = true, converter = Converters.ModelConverter.class,
            defaultValue = "iterative,prefork,fork-per-connection,threaded",
            description = "Models to run, in this order. Default: ${DEFAULT-VALUE}.")
    List<Model> models;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "4", description = "Workers per supervisor (iterative always has 1). Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "20", description = "Closed-loop load clients. Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Run over TLS: each supervisor serves this certificate (with --tls-key); the clients do not check it.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The key of --tls-cert.")
    Path tlsKey;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "30s", converter = Converters.DurationConverter.class,
            description = "Load time per model. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--crash-every", paramLabel = "DURATION", defaultValue = "2s", converter = Converters.DurationConverter.class,
            description = "A crash at every multiple of this, before the end. Default: ${DEFAULT-VALUE}.")
    Duration crashEvery;

    @Option(names = "--crash-kind", paramLabel = "KIND", defaultValue = "kill9", converter = CrashKindConverter.class,
            description = "kill9 (SIGKILL of a busy worker via the admin endpoint), or a chaos command on its own connection: "
                    + "crash, exit, oom, hang. Default: ${DEFAULT-VALUE}.")
    CrashKind kind;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the crash schedule. Default: a random one, printed and recorded.")
    Long seed;

    @Option(names = "--requests-per-connection", paramLabel = "N", defaultValue = "5",
            description = "Echo round trips per connection, after `pid`. Default: ${DEFAULT-VALUE}.")
    int requestsPerConnection;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "report", description = "Report directory. Default: ${DEFAULT-VALUE}.")
    Path out;

    static final class CrashKindConverter implements ITypeConverter<CrashKind> {
        @Override
        public CrashKind convert(String value) {
            try {
                return CrashKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        CrashConfig config = resolve();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<CrashSchedule.Planned> plan = CrashSchedule.of(config.seed(), config.duration(), config.crashEvery());
        List<String> java = SupervisorCommandLine.java(System.getProperty("java.home"), System.getProperty("java.class.path"));
        Progress progress = new Progress(err, System.console() != null);
        err.printf(Locale.ROOT, "crash experiment: %d model(s), %d crash(es) of kind %s each, seed %d%n", config.models().size(),
                plan.size(), config.kind(), config.seed());
        err.println(RunEnvironment.current(version()).describe());
        err.flush();

        // Ctrl-C, or TERM to us: the supervisor of the moment goes too, never left running
        AtomicReference<SupervisorProcess> current = new AtomicReference<>();
        Thread hook = new Thread(() -> {
            SupervisorProcess s = current.get();
            if (s != null) {
                s.close();
            }
        }, "experiment-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Instant startedAt = Instant.now();
        List<ModelResult> results = new ArrayList<>();
        try {
            int n = 0;
            for (Model m : config.models()) {
                progress.started(m, ++n, config.models().size(), config.duration().toMillis());
                Path log = config.out().resolve("logs").resolve(m.cliName + ".log");
                ModelRunData data = new ModelRun(config, m, plan, java, log, progress, current::set).run();
                ModelResult r = ModelResult.of(data);
                results.add(r);
                progress.finished(m, oneLine(r));
            }
        } catch (ExperimentException e) {
            err.println("forkd experiment crash: " + e.getMessage());
            err.flush();
            return 70;
        } finally {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        ExperimentReport report = new ExperimentReport(config, plan, results, startedAt, RunEnvironment.current(version()));
        ReportWriter.write(report, config.out());
        stdout.print(ReportTables.plain(ReportTables.summary(results)));
        stdout.println();
        for (ModelResult r : results) {
            for (Expectation e : r.expectations) {
                stdout.printf(Locale.ROOT, "%s  %s: %s (%s)%n", e.verdict(), r.model(), e.name(), e.detail());
            }
        }
        stdout.println();
        stdout.println("report: " + config.out().resolve(ReportWriter.HTML) + " (and " + ReportWriter.MARKDOWN + ", "
                + ReportWriter.JSON + ", " + ReportWriter.CSV + ", the PNGs, and the supervisors' logs in logs/)");
        stdout.flush();
        switch (report.verdict()) {
            case PASS:
                return 0;
            case INCONCLUSIVE:
                stdout.println("INCONCLUSIVE: no expectation failed, but not every one could be tested (see above); exit "
                        + INCONCLUSIVE_EXIT);
                stdout.flush();
                return INCONCLUSIVE_EXIT;
            default:
                return 1;
        }
    }

    private static String oneLine(ModelResult r) {
        return String.format(Locale.ROOT, "%d crash(es), %d connection(s) lost (%d collateral), success %s, restart %s: %s",
                r.injected().size(), r.failed(), r.collateral(), ReportTables.percent(r.successRate()),
                Distribution.of(r.restartLatenciesMs()).describe(ReportTables::ms), r.verdict());
    }

    private static String version() {
        try {
            return new VersionProvider().getVersion()[0].replaceFirst("^forkd ", "");
        } catch (IOException e) {
            // the version is a label in the report, nothing depends on it
            LOG.debug("no version: {}", e.toString());
            return "unknown";
        }
    }

    CrashConfig resolve() {
        require(!models.isEmpty(), "--models needs at least one model");
        require(workers >= 1, "--workers must be at least 1, not " + workers);
        require(clients >= 1, "--clients must be at least 1, not " + clients);
        require(!duration.isZero(), "--duration must be more than 0");
        require(!crashEvery.isZero(), "--crash-every must be more than 0");
        require(requestsPerConnection >= 1, "--requests-per-connection must be at least 1, not " + requestsPerConnection);
        // a run with no crash cannot fail any expectation: refused before anything starts
        require(!CrashSchedule.of(0, duration, crashEvery).isEmpty(), "--duration " + Durations.format(duration) + " with --crash-every "
                + Durations.format(crashEvery) + " schedules no crash (crashes come at every multiple of --crash-every before the end):"
                + " nothing would be tested; give a --duration longer than --crash-every");
        require((tlsCert == null) == (tlsKey == null), "--tls-cert and --tls-key go together");
        long s = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        return new CrashConfig(List.copyOf(new LinkedHashSet<>(models)), workers, clients, duration, crashEvery, kind, s,
                requestsPerConnection, out, tlsCert, tlsKey);
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
