package dev.forkd.tools.experiment.report;

import dev.forkd.tools.experiment.ConnectionOutcome;
import dev.forkd.tools.experiment.ModelResult;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/** results.csv: one row per load connection, for a spreadsheet or pandas. */
final class ResultsCsv {
    static final List<String> COLUMNS = List.of("model", "client", "connection", "workerPid", "startMs", "endMs", "requests", "fate");

    private ResultsCsv() {
    }

    /** Every field is a name, a number or empty (the pid of a worker that never answered): nothing to quote. */
    static void write(List<ModelResult> results, Writer out) throws IOException {
        out.write(String.join(",", COLUMNS));
        out.write('\n');
        for (ModelResult r : results) {
            for (ConnectionOutcome o : r.data.outcomes()) {
                out.write(String.join(",", r.model().cliName, Integer.toString(o.key().client()), Integer.toString(o.key().connection()),
                        o.pidKnown() ? Long.toString(o.workerPid()) : "", Long.toString(o.startMs()), Long.toString(o.endMs()),
                        Integer.toString(o.requests()), r.fates.fates().get(o.key()).toString()));
                out.write('\n');
            }
        }
    }
}
