package dev.forkd.tools.experiment.report;

import dev.forkd.tools.experiment.ConnectionOutcome;
import dev.forkd.tools.experiment.CrashConfig;
import dev.forkd.tools.experiment.CrashRecord;
import dev.forkd.tools.experiment.CrashSchedule;
import dev.forkd.tools.experiment.Expectation;
import dev.forkd.tools.experiment.FateClassifier;
import dev.forkd.tools.experiment.ModelResult;
import dev.forkd.tools.experiment.RunEnvironment;
import dev.forkd.tools.experiment.Verdict;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/** results.json: the config and seed, the crash schedule, and per model every figure of the report and every crash. */
final class ResultsJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultsJson() {
    }

    static void write(ExperimentReport report, Writer out) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(out, tree(report));
    }

    static ObjectNode tree(ExperimentReport report) {
        CrashConfig c = report.config();
        ObjectNode root = JSON.createObjectNode();
        root.put("experiment", "crash");
        RunEnvironment env = report.environment();
        root.put("forkdVersion", env.forkdVersion());
        ObjectNode producedBy = root.putObject("environment");
        producedBy.put("forkdVersion", env.forkdVersion());
        producedBy.put("javaVmName", env.vmName());
        producedBy.put("javaVmVersion", env.vmVersion());
        producedBy.put("os", env.os());
        producedBy.put("cores", env.cores());
        producedBy.put("memoryBytes", env.memoryBytes());
        root.put("commandLine", report.config().commandLine());
        root.put("startedAt", report.startedAt().toString());
        root.put("seed", c.seed());
        ObjectNode config = root.putObject("config");
        ArrayNode models = config.putArray("models");
        c.models().forEach(m -> models.add(m.cliName));
        config.put("workers", c.workers());
        config.put("clients", c.clients());
        config.put("durationMs", c.duration().toMillis());
        config.put("crashEveryMs", c.crashEvery().toMillis());
        config.put("crashKind", c.kind().cliName);
        config.put("seed", c.seed());
        config.put("requestsPerConnection", c.requestsPerConnection());
        ArrayNode schedule = root.putArray("schedule");
        for (CrashSchedule.Planned p : report.schedule()) {
            ObjectNode n = schedule.addObject();
            n.put("index", p.index());
            n.put("atMs", p.atMs());
            n.put("choice", p.choice());
        }
        root.put("verdict", report.verdict().name());
        root.put("passed", report.verdict() == Verdict.PASS);
        ArrayNode results = root.putArray("models");
        for (ModelResult r : report.results()) {
            results.add(model(r));
        }
        return root;
    }

    private static ObjectNode model(ModelResult r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model", r.model().cliName);
        n.put("workers", r.data.workers());
        n.put("crashes", r.injected().size());
        n.put("crashesSkipped", r.skipped());
        ObjectNode conns = n.putObject("connections");
        conns.put("total", r.data.outcomes().size());
        conns.put("completed", r.completed());
        conns.put("failed", r.failed());
        conns.put("crashed", r.crashed());
        conns.put("collateral", r.collateral());
        conns.put("lostOnUnknownWorkerAttributedByTime", r.fates.attributedByTime().size());
        n.put("requestsCompleted", r.requestsCompleted());
        List<Integer> lost = r.lostPerCrash();
        ObjectNode lpc = n.putObject("lostPerCrash");
        Distribution lostStats = Distribution.of(lost);
        lpc.put("n", lostStats.n());
        number(lpc, "mean", lostStats.mean());
        number(lpc, "max", lostStats.max());
        ArrayNode lostValues = lpc.putArray("values");
        lost.forEach(lostValues::add);
        n.put("collateral", r.collateral());
        number(n, "successRate", r.successRate());
        List<Long> lat = r.restartLatenciesMs();
        ObjectNode rl = n.putObject("restartLatencyMs");
        distribution(rl, Distribution.of(lat));
        rl.put("notRecovered", r.notRecovered());
        ArrayNode latValues = rl.putArray("values");
        lat.forEach(latValues::add);
        ObjectNode tp = n.putObject("throughput");
        tp.put("bucketMs", r.data.bucketMs());
        ArrayNode buckets = tp.putArray("requestsPerBucket");
        for (long b : r.data.requestsPerBucket()) {
            buckets.add(b);
        }
        ObjectNode rss = n.putObject("workerRssKiB");
        Distribution perWorker = Distribution.of(r.data.rssPerWorkerKiB());
        number(rss, "mean", perWorker.mean());
        number(rss, "max", perWorker.max());
        rss.put("samples", perWorker.n());
        ObjectNode total = n.putObject("allWorkersRssKiB");
        Distribution all = Distribution.of(r.data.rssTotalKiB());
        number(total, "mean", all.mean());
        number(total, "max", all.max());
        total.put("samples", all.n());
        n.put("supervisorExitCode", r.data.supervisorExit());
        n.put("verdict", r.verdict().name());
        n.put("passed", r.verdict() == Verdict.PASS);
        ArrayNode ex = n.putArray("expectations");
        for (Expectation e : r.expectations) {
            ObjectNode x = ex.addObject();
            x.put("name", e.name());
            x.put("verdict", e.verdict().name());
            x.put("pass", e.pass());
            x.put("detail", e.detail());
        }
        ArrayNode failed = n.putArray("failedConnections");
        for (ConnectionOutcome o : r.data.outcomes()) {
            if (o.failed()) {
                ObjectNode f = failed.addObject();
                f.put("connection", o.key().toString());
                f.put("workerPid", o.workerPid());
                f.put("clientPort", o.clientPort());
                f.put("startMs", o.startMs());
                f.put("endMs", o.endMs());
                f.put("requests", o.requests());
                f.put("firstReplyMs", o.firstReplyMs());
                f.put("lastSentMs", o.lastSentMs());
                f.put("fate", r.fates.fates().get(o.key()).toString());
                Integer crash = r.fates.lostTo().get(o.key());
                if (crash == null) {
                    f.putNull("lostToCrash");
                } else {
                    f.put("lostToCrash", crash);
                }
                f.put("error", o.error());
            }
        }
        ArrayNode crashes = n.putArray("crashList");
        for (CrashRecord c : r.data.crashes()) {
            crashes.add(crash(c, r));
        }
        return n;
    }

    private static ObjectNode crash(CrashRecord c, ModelResult r) {
        FateClassifier.Result fates = r.fates;
        ObjectNode n = JSON.createObjectNode();
        n.put("index", c.index());
        n.put("plannedAtMs", c.plannedAtMs());
        n.put("choice", c.choice());
        n.put("kind", c.kind().cliName);
        if (!c.injected()) {
            n.put("skipped", c.skipped());
            return n;
        }
        n.put("injectedAtMs", c.injectedAtMs());
        n.put("targetPid", c.targetPid());
        n.put("targetWorkerId", c.targetWorkerId());
        n.put("target", c.target() == null ? "injector" : c.target().toString());
        n.put("downAtMs", c.downAtMs());
        n.put("goneAtMs", c.goneAtMs());
        n.put("recoveredAtMs", c.recoveredAtMs());
        if (c.restartLatencyMs() == null) {
            n.putNull("restartLatencyMs");
        } else {
            n.put("restartLatencyMs", c.restartLatencyMs());
        }
        n.put("targetSlot", c.targetSlot());
        ArrayNode on = n.putArray("onWorker");
        c.onWorker().forEach(k -> on.add(k.toString()));
        ArrayNode held = n.putArray("heldClients");
        c.heldClients().forEach(held::add);
        // held, completed, its last request out before the crash: its answer was on its way, it was served, not caught
        ArrayNode served = n.putArray("answeredBeforeCrash");
        for (ConnectionOutcome o : r.data.outcomes()) {
            if (!o.failed() && c.onWorker().contains(o.key()) && o.lastSentMs() >= 0 && o.lastSentMs() <= c.injectedAtMs()) {
                served.add(o.key().toString());
            }
        }
        ArrayNode lost = n.putArray("lost");
        fates.lostByCrash().getOrDefault(c.index(), List.of()).forEach(k -> lost.add(k.toString()));
        return n;
    }

    /** The one summary the tables and plots show too; p99 is null below {@value Distribution#MIN_FOR_PERCENTILES} values. */
    private static void distribution(ObjectNode n, Distribution d) {
        n.put("n", d.n());
        number(n, "min", d.min());
        number(n, "q1", d.q1());
        number(n, "median", d.median());
        number(n, "p50", d.median());
        number(n, "q3", d.q3());
        number(n, "p99", d.p99());
        number(n, "max", d.max());
        number(n, "mean", d.mean());
    }

    /** JSON has no NaN: an empty statistic is null. */
    private static void number(ObjectNode n, String name, double v) {
        if (Double.isNaN(v)) {
            n.putNull(name);
        } else {
            n.put(name, v);
        }
    }
}
