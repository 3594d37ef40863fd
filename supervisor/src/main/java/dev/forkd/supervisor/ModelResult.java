package dev.forkd.supervisor;

import java.util.ArrayList;
import java.util.List;

/** One model's run judged: fates, losses per crash, restart latencies, and the expectations. */
final class ModelResult {
    final ModelRunData data;
    final FateClassifier.Result fates;
    final List<Expectation> expectations;

    private ModelResult(ModelRunData data, FateClassifier.Result fates, List<Expectation> expectations) {
        this.data = data;
        this.fates = fates;
        this.expectations = expectations;
    }

    static ModelResult of(ModelRunData data) {
        FateClassifier.Result fates = FateClassifier.classify(data.outcomes(), data.crashes());
        return new ModelResult(data, fates, Expectations.check(data.model(), data.outcomes(), data.crashes(), fates));
    }

    Model model() {
        return data.model();
    }

    List<CrashRecord> injected() {
        return data.crashes().stream().filter(CrashRecord::injected).toList();
    }

    long skipped() {
        return data.crashes().stream().filter(c -> !c.injected()).count();
    }

    long completed() {
        return fates.count(Fate.COMPLETED);
    }

    long failed() {
        return fates.count(Fate.CRASHED) + fates.count(Fate.COLLATERAL);
    }

    long crashed() {
        return fates.count(Fate.CRASHED);
    }

    long collateral() {
        return fates.count(Fate.COLLATERAL);
    }

    long requestsCompleted() {
        return data.outcomes().stream().mapToLong(ConnectionOutcome::requests).sum();
    }

    /** completed / (completed + failed) connections; NaN with no connection at all. */
    double successRate() {
        long all = completed() + failed();
        return all == 0 ? Double.NaN : (double) completed() / all;
    }

    /** Load connections lost per injected crash: its target, if a load connection, and those that failed with its worker. */
    List<Integer> lostPerCrash() {
        List<Integer> lost = new ArrayList<>();
        for (CrashRecord c : injected()) {
            lost.add(fates.lostByCrash().getOrDefault(c.index(), List.of()).size());
        }
        return lost;
    }

    List<Long> restartLatenciesMs() {
        List<Long> l = new ArrayList<>();
        for (CrashRecord c : injected()) {
            if (c.restartLatencyMs() != null) {
                l.add(c.restartLatencyMs());
            }
        }
        return l;
    }

    long notRecovered() {
        return injected().stream().filter(c -> c.restartLatencyMs() == null).count();
    }

    Verdict verdict() {
        return Verdict.of(expectations.stream().map(Expectation::verdict).toList());
    }
}
