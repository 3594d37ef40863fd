package dev.forkd.supervisor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's tables as rows of text: the same tables on the terminal, in report.md and in index.html. */
final class ReportTables {
    /** A header and its rows, every row as long as the header. */
    record Table(List<String> header, List<List<String>> rows) {
    }

    private static final List<String> SUMMARY = List.of("model", "workers", "crashes", "lost/crash mean", "lost/crash max", "collateral",
            "success rate", "restart p50", "restart p99", "requests", "worker RSS mean", "worker RSS max");

    private ReportTables() {
    }

    static Table summary(List<ModelResult> results) {
        List<List<String>> rows = new ArrayList<>();
        for (ModelResult r : results) {
            List<Long> lat = r.restartLatenciesMs();
            rows.add(List.of(r.model().cliName,
                    Integer.toString(r.data.workers()),
                    r.injected().size() + (r.skipped() > 0 ? " (+" + r.skipped() + " skipped)" : ""),
                    fixed(ExperimentStats.mean(r.lostPerCrash()), 2),
                    fixed(ExperimentStats.max(r.lostPerCrash()), 0),
                    Long.toString(r.collateral()),
                    percent(r.successRate()),
                    ms(ExperimentStats.percentile(lat, 50)),
                    ms(ExperimentStats.percentile(lat, 99)) + (r.notRecovered() > 0 ? " (" + r.notRecovered() + " not recovered)" : ""),
                    Long.toString(r.requestsCompleted()),
                    mib(ExperimentStats.mean(r.data.rssPerWorkerKiB())),
                    mib(ExperimentStats.max(r.data.rssPerWorkerKiB()))));
        }
        return new Table(SUMMARY, rows);
    }

    static Table expectations(List<ModelResult> results) {
        List<List<String>> rows = new ArrayList<>();
        for (ModelResult r : results) {
            for (Expectation e : r.expectations) {
                rows.add(List.of(r.model().cliName, e.name(), e.verdict(), e.detail()));
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
                    Integer.toString(c.onWorker().size()), Integer.toString(lost),
                    c.restartLatencyMs() == null ? "not recovered" : c.restartLatencyMs() + " ms"));
        }
        return new Table(List.of("crash", "planned", "injected", "target", "worker pid", "on worker", "lost", "restart latency"), rows);
    }

    static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f ms", v);
    }

    static String mib(double kib) {
        return Double.isNaN(kib) ? "-" : String.format(Locale.ROOT, "%.1f MiB", kib / 1024);
    }

    /** Columns padded to their widest cell, for a terminal. */
    static String plain(Table t) {
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
