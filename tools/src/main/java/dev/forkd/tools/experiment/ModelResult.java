package dev.forkd.tools.experiment;

import dev.forkd.supervisor.Model;
import java.util.ArrayList;
import java.util.List;

/** One model's run judged: fates, losses per crash, restart latencies, and the expectations. */
public final class ModelResult {
    public final ModelRunData data;
    public final FateClassifier.Result fates;
    public final List<Expectation> expectations;

    private ModelResult(ModelRunData data, FateClassifier.Result fates, List<Expectation> expectations) {
        this.data = data;
        this.fates = fates;
        this.expectations = expectations;
    }

    public static ModelResult of(ModelRunData data) {
        FateClassifier.Result fates = FateClassifier.classify(data.outcomes(), data.crashes());
        return new ModelResult(data, fates, Expectations.check(data.model(), data.outcomes(), data.crashes(), fates));
    }

    public Model model() {
        return data.model();
    }

    public List<CrashRecord> injected() {
        return data.crashes().stream().filter(CrashRecord::injected).toList();
    }

    public long skipped() {
        return data.crashes().stream().filter(c -> !c.injected()).count();
    }

    public long completed() {
        return fates.count(Fate.COMPLETED);
    }

    public long failed() {
        return fates.count(Fate.CRASHED) + fates.count(Fate.COLLATERAL);
    }

    public long crashed() {
        return fates.count(Fate.CRASHED);
    }

    public long collateral() {
        return fates.count(Fate.COLLATERAL);
    }

    public long requestsCompleted() {
        return data.outcomes().stream().mapToLong(ConnectionOutcome::requests).sum();
    }

    /** completed / (completed + failed) connections; NaN with no connection at all. */
    public double successRate() {
        long all = completed() + failed();
        return all == 0 ? Double.NaN : (double) completed() / all;
    }

    /** Load connections lost per injected crash: its target, if a load connection, and those that failed with its worker. */
    public List<Integer> lostPerCrash() {
        List<Integer> lost = new ArrayList<>();
        for (CrashRecord c : injected()) {
            lost.add(fates.lostByCrash().getOrDefault(c.index(), List.of()).size());
        }
        return lost;
    }

    public List<Long> restartLatenciesMs() {
        List<Long> l = new ArrayList<>();
        for (CrashRecord c : injected()) {
            if (c.restartLatencyMs() != null) {
                l.add(c.restartLatencyMs());
            }
        }
        return l;
    }

    public long notRecovered() {
        return injected().stream().filter(c -> c.restartLatencyMs() == null).count();
    }

    public Verdict verdict() {
        return Verdict.of(expectations.stream().map(Expectation::verdict).toList());
    }
}
