package dev.forkd.supervisor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What each model promises when workers crash (issue 6), checked against a run:
 * prefork and fork-per-connection lose nothing but the target; threaded loses exactly the
 * connections of the crashed worker; iterative loses none of the clients queued behind it.
 */
final class Expectations {
    /** Connections named in a detail, at most; the CSV has them all. */
    private static final int SHOWN = 5;

    private Expectations() {
    }

    static List<Expectation> check(Model model, List<ConnectionOutcome> outcomes, List<CrashRecord> crashes,
            FateClassifier.Result fates) {
        switch (model) {
            case PREFORK:
            case FORK_PER_CONNECTION:
                return List.of(noCollateral("collateral losses are 0: a crash costs only its target", fates));
            case ITERATIVE:
                return List.of(noCollateral("queued clients are served after the restart: none lost while queued (collateral 0)", fates));
            case THREADED:
                return List.of(workerScoped(outcomes, crashes, fates));
            default:
                throw new IllegalArgumentException("no expectation for " + model);
        }
    }

    private static Expectation noCollateral(String name, FateClassifier.Result fates) {
        List<ConnKey> collateral = fates.fates().entrySet().stream().filter(e -> e.getValue() == Fate.COLLATERAL)
                .map(Map.Entry::getKey).collect(Collectors.toList());
        return new Expectation(name, collateral.isEmpty(),
                collateral.isEmpty() ? "0 collateral" : collateral.size() + " collateral: " + names(collateral));
    }

    /** Threaded: every lost connection was on a crashed worker, and every connection on a crashed worker was lost. */
    private static Expectation workerScoped(List<ConnectionOutcome> outcomes, List<CrashRecord> crashes, FateClassifier.Result fates) {
        List<ConnKey> lostElsewhere = new ArrayList<>();
        for (ConnectionOutcome o : outcomes) {
            if (o.failed() && !fates.lostTo().containsKey(o.key())) {
                lostElsewhere.add(o.key());
            }
        }
        List<ConnKey> survived = new ArrayList<>();
        for (CrashRecord c : crashes) {
            for (ConnKey k : c.onWorker()) {
                if (fates.fates().get(k) == Fate.COMPLETED) {
                    survived.add(k);
                }
            }
        }
        boolean pass = lostElsewhere.isEmpty() && survived.isEmpty();
        long onCrashed = crashes.stream().mapToLong(c -> c.onWorker().size()).sum();
        String detail = pass
                ? onCrashed + " connection(s) on crashed workers, all lost; no other connection lost"
                : (lostElsewhere.isEmpty() ? "" : lostElsewhere.size() + " lost on no crashed worker: " + names(lostElsewhere) + "; ")
                        + (survived.isEmpty() ? "" : survived.size() + " on a crashed worker yet completed: " + names(survived));
        return new Expectation("a crash loses every connection of its worker, and no others", pass, detail.replaceAll("; $", ""));
    }

    private static String names(List<ConnKey> keys) {
        String shown = keys.stream().sorted().limit(SHOWN).map(ConnKey::toString).collect(Collectors.joining(", "));
        return keys.size() > SHOWN ? shown + ", ..." : shown;
    }
}
