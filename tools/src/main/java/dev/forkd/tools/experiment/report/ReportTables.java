package dev.forkd.tools.experiment.report;

import dev.forkd.tools.experiment.CrashConfig;
import dev.forkd.tools.experiment.CrashRecord;
import dev.forkd.tools.experiment.CrashSchedule;
import dev.forkd.tools.experiment.Expectation;
import dev.forkd.tools.experiment.ModelResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's tables as rows of text: the same tables on the terminal, in report.md and in index.html. */
public final class ReportTables {
    /** A header and its rows, every row as long as the header. */
    record Table(List<String> header, List<List<String>> rows) {
    }

    private static final List<String> SUMMARY = List.of("model", "workers", "crashes", "lost/crash mean", "lost/crash max", "collateral",
            "success rate", "restart latency", "requests", "worker RSS mean", "worker RSS max", "RSS samples");

    private ReportTables() {
    }

    /** Lost per crash is over the injected crashes (the crashes column is its n); restart latency states its own n. */
    public static Table summary(List<ModelResult> results) {
        List<List<String>> rows = new ArrayList<>();
        for (ModelResult r : results) {
            Distribution lost = Distribution.of(r.lostPerCrash());
            Distribution rss = Distribution.of(r.data.rssPerWorkerKiB());
            rows.add(List.of(r.model().cliName,
                    Integer.toString(r.data.workers()),
                    r.injected().size() + (r.skipped() > 0 ? " (+" + r.skipped() + " skipped)" : ""),
                    fixed(lost.mean(), 2),
                    fixed(lost.max(), 0),
                    Long.toString(r.collateral()),
                    percent(r.successRate()),
                    Distribution.of(r.restartLatenciesMs()).describe(ReportTables::ms)
                            + (r.notRecovered() > 0 ? " (" + r.notRecovered() + " not recovered)" : ""),
                    Long.toString(r.requestsCompleted()),
                    mib(rss.mean()),
                    mib(rss.max()),
                    Integer.toString(rss.n())));
        }
        return new Table(SUMMARY, rows);
    }

    /** Every option of the run, as given or defaulted. */
    static Table options(CrashConfig c) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("--models", c.models().stream().map(m -> m.cliName).collect(java.util.stream.Collectors.joining(","))));
        rows.add(List.of("--workers", Integer.toString(c.workers())));
        rows.add(List.of("--clients", Integer.toString(c.clients())));
        rows.add(List.of("--duration", dev.forkd.shared.Durations.format(c.duration())));
        rows.add(List.of("--crash-every", dev.forkd.shared.Durations.format(c.crashEvery())));
        rows.add(List.of("--crash-kind", c.kind().cliName));
        rows.add(List.of("--seed", Long.toString(c.seed())));
        rows.add(List.of("--requests-per-connection", Integer.toString(c.requestsPerConnection())));
        rows.add(List.of("--out", c.out().toString()));
        return new Table(List.of("option", "value"), rows);
    }

    static Table expectations(List<ModelResult> results) {
        List<List<String>> rows = new ArrayList<>();
        for (ModelResult r : results) {
            for (Expectation e : r.expectations) {
                rows.add(List.of(r.model().cliName, e.name(), e.verdict().name(), e.detail()));
            }
        }
        return new Table(List.of("model", "expectation", "result", "detail"), rows);
    }

    static Table schedule(List<CrashSchedule.Planned> plan) {
        List<List<String>> rows = new ArrayList<>();
        for (CrashSchedule.Planned p : plan) {
            rows.add(List.of(Integer.toString(p.index()), p.atMs() + " ms", String.format(Locale.ROOT, "%.6f", p.choice())));
        }
        return new Table(List.of("crash", "at", "draw"), rows);
    }

    /** One model's crashes, as they happened. */
    static Table crashes(ModelResult r) {
        List<List<String>> rows = new ArrayList<>();
        for (CrashRecord c : r.data.crashes()) {
            if (!c.injected()) {
                rows.add(List.of(Integer.toString(c.index()), c.plannedAtMs() + " ms", "skipped: " + c.skipped(), "", "", "", "", ""));
                continue;
            }
            int lost = r.fates.lostByCrash().getOrDefault(c.index(), List.of()).size();
            rows.add(List.of(Integer.toString(c.index()), c.plannedAtMs() + " ms", c.injectedAtMs() + " ms",
                    c.target() == null ? "injector" : c.target().toString(), Long.toString(c.targetPid()),
                    c.onWorker().size() + " (" + c.heldClients().size() + " in all)", Integer.toString(lost),
                    c.restartLatencyMs() == null ? "not recovered" : c.restartLatencyMs() + " ms"));
        }
        return new Table(List.of("crash", "planned", "injected", "target", "worker pid", "on worker", "lost", "restart latency"), rows);
    }

    static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    public static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    public static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f ms", v);
    }

    static String mib(double kib) {
        return Double.isNaN(kib) ? "-" : String.format(Locale.ROOT, "%.1f MiB", kib / 1024);
    }

    /** Columns padded to their widest cell, for a terminal. */
    public static String plain(Table t) {
        List<String> header = t.header();
        List<List<String>> rows = t.rows();
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder();
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> r : all) {
            for (int i = 0; i < w.length; i++) {
                String cell = r.get(i);
                b.append(i == 0 ? String.format("%-" + w[i] + "s", cell) : String.format("  %" + w[i] + "s", cell));
            }
            b.append('\n');
        }
        return b.toString();
    }
}
