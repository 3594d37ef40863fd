package dev.forkd.tools.experiment;

import dev.forkd.supervisor.Model;
import dev.forkd.shared.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** The settings of one `forkd experiment crash` run, as given or defaulted. */
public record CrashConfig(List<Model> models, int workers, int clients, Duration duration, Duration crashEvery, CrashKind kind, long seed,
        int requestsPerConnection, Path out, Path tlsCert, Path tlsKey) {

    /** Without TLS. */
    public CrashConfig(List<Model> models, int workers, int clients, Duration duration, Duration crashEvery, CrashKind kind, long seed,
            int requestsPerConnection, Path out) {
        this(models, workers, clients, duration, crashEvery, kind, seed, requestsPerConnection, out, null, null);
    }

    /**
     * The clients' TLS, null without --tls-cert: unauthenticated (--insecure), as the experiment
     * measures what crashes do to connections, not who the server is.
     */
    dev.forkd.tools.tls.ClientTls clientTls() {
        if (tlsCert == null) {
            return null;
        }
        try {
            return dev.forkd.tools.tls.ClientTls.of(null, true, null, true);
        } catch (java.io.IOException e) {
            // only a --ca file can fail to load, and none is given here
            throw new IllegalStateException(e);
        }
    }

    /** Workers for a model: iterative has one by definition. */
    int workersFor(Model m) {
        return m == Model.ITERATIVE ? 1 : workers;
    }

    /** The command line that repeats this run, seed included, for the report. */
    public String commandLine() {
        return String.join(" ", "forkd experiment crash",
                "--models", models.stream().map(m -> m.cliName).collect(Collectors.joining(",")),
                "--workers", Integer.toString(workers),
                "--clients", Integer.toString(clients),
                "--duration", Durations.format(duration),
                "--crash-every", Durations.format(crashEvery),
                "--crash-kind", kind.cliName,
                "--seed", Long.toString(seed),
                "--requests-per-connection", Integer.toString(requestsPerConnection),
                "--out", out.toString())
                + (tlsCert == null ? "" : " --tls-cert " + tlsCert + " --tls-key " + tlsKey);
    }
}
