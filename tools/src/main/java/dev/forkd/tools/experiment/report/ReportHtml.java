package dev.forkd.tools.experiment.report;

import dev.forkd.tools.experiment.CrashConfig;
import dev.forkd.tools.experiment.ModelResult;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** index.html: the whole report in one file, the plots embedded as data URIs, so that it opens offline and can be mailed. */
final class ReportHtml {
    /** What the figures mean; shared with report.md. */
    static final List<String> HOW_TO_READ = List.of(
            "A connection is completed (every request answered), crashed (it was the target of a crash: its own worker was "
                    + "the one crashed for it) or collateral (it failed without being a target).",
            "Lost per crash counts the target, if a load connection, and every load connection that failed with the crashed worker. "
                    + "On worker counts the load connections the supervisor was relaying to that worker at the crash (for kill9 as the "
                    + "admin endpoint saw them when it sent the signal), and in all every connection it held, the injector's included. "
                    + "The load is frozen (no request sent) from the crash order until the worker is seen down, so a connection on it "
                    + "that completes had sent its last request before the crash.",
            "Restart latency runs from the injection until /status lists the crashed worker no more and shows a ready worker "
                    + "in its slot (the pool position its replacement fills). A fork-per-connection worker is replaced as soon as it "
                    + "takes its connection, so its crash restores nothing: its latency is until it is off the books.",
            "Throughput counts echo replies per 250 ms bucket; the red triangles mark the scheduled crashes.",
            "prefork and fork-per-connection should lose only the targets; threaded loses every connection of the crashed "
                    + "worker and no other; iterative serves, after the restart, every client queued behind the crash (one that opened "
                    + "its connection before the crash and had no answer yet). An expectation the run could not test (no crash "
                    + "happened, no client was queued) is INCONCLUSIVE, not PASS.",
            "Restart latency shows min / median / max below " + Distribution.MIN_FOR_PERCENTILES + " samples and p50 / p99 / max "
                    + "from there, with n; the plot draws the same numbers, on a log axis.",
            "A kill9 is skipped when no load connection was in the middle of its requests within half the interval (1 s at "
                    + "most): the pool was down, e.g. waiting out forkd's restart backoff, which doubles each time a worker dies "
                    + "less than 2 s after it was ready.");

    private static final String CSS = "body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
            + "td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}.PASS{color:#17702b;font-weight:bold}"
            + ".FAIL{color:#b00020;font-weight:bold}.INCONCLUSIVE{color:#8a6d00;font-weight:bold}img{max-width:100%;border:1px solid #eee}code{background:#f5f5f5;padding:2px 4px}";

    private ReportHtml() {
    }

    static void write(ExperimentReport report, Map<String, byte[]> pngs, Writer w) {
        PrintWriter out = new PrintWriter(w);
        CrashConfig c = report.config();
        String verdict = report.verdict().name();
        out.println("<!DOCTYPE html>");
        out.println("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>forkd crash experiment</title>");
        out.println("<style>" + CSS + "</style></head><body>");
        out.println("<h1>forkd crash experiment: <span class=\"" + verdict + "\">" + verdict + "</span></h1>");
        out.println("<p><code>" + esc(c.commandLine()) + "</code></p>");
        out.println("<p>Produced by " + esc(report.environment().describe()) + "; started " + esc(report.startedAt().toString())
                + "; seed " + c.seed() + ". Each connection: "
                + "<code>pid</code>, then " + c.requestsPerConnection() + " <code>echo</code> round trips; " + c.clients()
                + " closed-loop clients; a crash (" + esc(c.kind().cliName) + ") every "
                + esc(dev.forkd.shared.Durations.format(c.crashEvery())) + ".</p>");
        out.println("<h2>Options</h2>");
        table(out, ReportTables.options(c));
        out.println("<h2>Summary</h2>");
        table(out, ReportTables.summary(report.results()));
        out.println("<h2>Expectations</h2>");
        table(out, ReportTables.expectations(report.results()));
        out.println("<h2>Plots</h2>");
        for (Map.Entry<String, byte[]> png : pngs.entrySet()) {
            out.println("<p><img alt=\"" + esc(png.getKey()) + "\" src=\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(png.getValue()) + "\"></p>");
        }
        out.println("<h2>How to read it</h2><ul>");
        HOW_TO_READ.forEach(p -> out.println("<li>" + esc(p) + "</li>"));
        out.println("</ul>");
        out.println("<h2>Crash schedule (seed " + c.seed() + ")</h2>");
        table(out, ReportTables.schedule(report.schedule()));
        for (ModelResult r : report.results()) {
            out.println("<h2>Crashes: " + esc(r.model().cliName) + "</h2>");
            table(out, ReportTables.crashes(r));
        }
        out.println("<p>Every connection is in results.csv, every figure in results.json.</p>");
        out.println("</body></html>");
        out.flush();
    }

    private static void table(PrintWriter out, ReportTables.Table t) {
        out.print("<table><tr>");
        t.header().forEach(h -> out.print("<th>" + esc(h) + "</th>"));
        out.println("</tr>");
        for (List<String> r : t.rows()) {
            out.print("<tr>");
            for (String cell : r) {
                boolean verdict = cell.equals("PASS") || cell.equals("FAIL") || cell.equals("INCONCLUSIVE");
                out.print(verdict ? "<td class=\"" + cell + "\">" + cell + "</td>" : "<td>" + esc(cell) + "</td>");
            }
            out.println("</tr>");
        }
        out.println("</table>");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
