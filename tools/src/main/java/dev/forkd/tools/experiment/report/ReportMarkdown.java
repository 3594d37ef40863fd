package dev.forkd.tools.experiment.report;

import dev.forkd.tools.experiment.CrashConfig;
import dev.forkd.tools.experiment.ModelResult;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;

/** report.md: the tables, the expectations and the plots (as image links), for a repository or a terminal pager. */
final class ReportMarkdown {
    private ReportMarkdown() {
    }

    static void write(ExperimentReport report, Writer w) {
        PrintWriter out = new PrintWriter(w);
        CrashConfig c = report.config();
        out.println("# forkd crash experiment");
        out.println();
        out.println("- result: **" + report.verdict() + "**");
        out.println("- command: `" + c.commandLine() + "`");
        out.println("- produced by: " + report.environment().describe() + "; started " + report.startedAt() + "; seed " + c.seed());
        out.println("- each connection: `pid`, then " + c.requestsPerConnection() + " `echo` round trips; " + c.clients()
                + " closed-loop clients; a crash (" + c.kind() + ") every " + dev.forkd.shared.Durations.format(c.crashEvery()));
        out.println();
        out.println("## Options");
        out.println();
        table(out, ReportTables.options(c));
        out.println();
        out.println("## Summary");
        out.println();
        table(out, ReportTables.summary(report.results()));
        out.println();
        out.println("## Expectations");
        out.println();
        table(out, ReportTables.expectations(report.results()));
        out.println();
        out.println("## Plots");
        out.println();
        out.println("![Throughput over time, with the crashes](" + ReportCharts.THROUGHPUT + ")");
        out.println();
        out.println("![Connections lost per model](" + ReportCharts.LOSSES + ")");
        out.println();
        out.println("![Restart latency per model](" + ReportCharts.RESTART_LATENCY + ")");
        out.println();
        out.println("## How to read it");
        out.println();
        for (String p : ReportHtml.HOW_TO_READ) {
            out.println("- " + p);
        }
        out.println();
        out.println("## Crash schedule (seed " + c.seed() + ")");
        out.println();
        table(out, ReportTables.schedule(report.schedule()));
        for (ModelResult r : report.results()) {
            out.println();
            out.println("## Crashes: " + r.model().cliName);
            out.println();
            table(out, ReportTables.crashes(r));
        }
        out.flush();
    }

    static void table(PrintWriter out, ReportTables.Table t) {
        row(out, t.header());
        out.println("|" + "---|".repeat(t.header().size()));
        for (List<String> r : t.rows()) {
            row(out, r);
        }
    }

    private static void row(PrintWriter out, List<String> cells) {
        StringBuilder b = new StringBuilder("|");
        for (String c : cells) {
            b.append(' ').append(c.replace("|", "\\|")).append(" |");
        }
        out.println(b);
    }
}
