package dev.forkd.supervisor.cli;

import dev.forkd.shared.ExitCodes;
import dev.forkd.supervisor.restart.RestartReason;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forkd.shared.Sizes;
import dev.forkd.shared.StatusReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `forkd status`, `forkd reload` and `forkd scale`: the admin endpoint from the command line. */
final class AdminCommands {
    private AdminCommands() {
    }

    /** Where the running forkd's admin endpoint is, and its token: the same for every admin command. */
    static final class AdminOptions {
        @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = AdminClient.DEFAULT_ADDRESS,
                description = "The admin endpoint. Default: ${DEFAULT-VALUE}.")
        String admin;

        @Option(names = "--admin-token-file", paramLabel = "FILE", description = "The file holding the admin endpoint's bearer token. Default: the token the forkd on this port wrote for its user "
                        + "($XDG_RUNTIME_DIR/forkd/admin-PORT.token, else $TMPDIR/forkd-admin-UID/admin-PORT.token), else /run/forkd/admin.token.")
        java.nio.file.Path tokenFile;
    }

    /** Runs {@code body}; an admin failure is one line on stderr and exit 1 (2 for a refused request). */
    private static int run(CommandSpec spec, AdminOptions target, AdminAction body) {
        try {
            return body.run(new AdminClient(target.admin).withToken(target.tokenFile), spec.commandLine().getOut());
        } catch (AdminClient.AdminException e) {
            spec.commandLine().getErr().println("forkd " + spec.name() + ": " + e.getMessage());
            // 409: the request itself cannot be done (e.g. past --max-workers), like a bad argument
            return e.status == 409 ? 2 : 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private interface AdminAction {
        int run(AdminClient client, PrintWriter out) throws AdminClient.AdminException, InterruptedException;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, exitCodeOnInvalidInput = ExitCodes.USAGE,
            description = "Show a running forkd's workers (needs `forkd serve --admin`).")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminOptions target;

        @Option(names = "--json", description = "Print /status as JSON.")
        boolean json;

        @Override
        public Integer call() {
            return run(spec, target, (client, out) -> {
                JsonNode s = client.get("/status");
                if (json) {
                    out.println(s.toPrettyString());
                } else {
                    printTable(s, out);
                }
                out.flush();
                return 0;
            });
        }

        static void printTable(JsonNode json, PrintWriter out) {
            StatusReport s = StatusReport.from(json);
            StatusReport.Connections c = s.connections();
            Long selfRss = s.supervisor() == null ? null : s.supervisor().rssBytes();
            out.printf("forkd pid %d, model %s, handler %s, listening on %s, up %s%s%n", s.pid(), s.model(),
                    s.handler(), s.listen(), dev.forkd.shared.Durations.human(s.uptimeSeconds() * 1_000_000_000L),
                    selfRss == null ? "" : ", RSS " + Sizes.human(selfRss));
            out.printf("connections: %d active, %d queued, %d accepted; worker restarts: %s; target workers: %d%n",
                    c.active(), c.queued(), c.accepted(), restarts(s.restartsByReason()), s.targetWorkers());
            // RESTARTS last: its width varies with the reasons
            out.printf("%5s %5s %8s %-9s %7s %8s %8s %10s  %s%n", "ID", "SLOT", "PID", "STATE", "ACTIVE", "SERVED", "UPTIME", "RSS", "RESTARTS");
            for (StatusReport.Worker w : s.workers()) {
                // no RSS from an older supervisor, before a worker has a pid, after it exited
                out.printf("%5d %5d %8d %-9s %7d %8d %8s %10s  %s%n", w.id(), w.slot(), w.pid(),
                        w.state(), w.activeConnections(), w.connectionsServed(),
                        dev.forkd.shared.Durations.human(w.uptimeSeconds() * 1_000_000_000L),
                        w.rssBytes() == null ? "-" : Sizes.human(w.rssBytes()), restarts(w.restartsByReason()));
            }
        }

        /** "5 (reload 5)": the restarts of /status or of one worker row, by the same rule for both. */
        static String restarts(java.util.Map<String, Long> byReason) {
            return RestartReason.describe(r -> StatusReport.restartsOf(byReason, r.label()));
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, exitCodeOnInvalidInput = ExitCodes.USAGE,
            description = {"Replace every worker, one at a time, without dropping a connection (like SIGHUP),",
                "and read the --tls-* certificate and key files again (exit 1 if one cannot be used: the old ones stay)."})
    static final class Reload implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminOptions target;

        @Override
        public Integer call() {
            return run(spec, target, (client, out) -> {
                JsonNode answer = client.post("/workers/reload");
                out.println("rolling restart started");
                if (answer.has("tls")) {
                    out.println("TLS certificates: " + answer.get("tls").asText());
                }
                out.flush();
                // the workers roll either way; a TLS file that could not be used is the operator's to fix
                return answer.path("tls").asText("reloaded").equals("reloaded") ? 0 : 1;
            });
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, exitCodeOnInvalidInput = ExitCodes.USAGE,
            description = "Set the number of workers (N), or change it (+N, -N).")
    static final class Scale implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminOptions target;

        @Parameters(paramLabel = "N|+N|-N", description = "The new worker count, or a change to it.")
        String count;

        @Override
        public Integer call() {
            if (!count.matches("[+-]?\\d{1,5}")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "'" + count + "' is not N, +N or -N");
            }
            boolean relative = count.startsWith("+") || count.startsWith("-");
            int n = Integer.parseInt(count.startsWith("+") ? count.substring(1) : count);
            if (!relative && n < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "at least one worker is needed");
            }
            return run(spec, target, (client, out) -> {
                int delta = relative ? n : n - client.get("/status").path("targetWorkers").asInt();
                JsonNode r = client.post("/workers/scale?delta=" + delta);
                out.println("workers: " + r.path("workers").asInt());
                out.flush();
                return 0;
            });
        }
    }
}
