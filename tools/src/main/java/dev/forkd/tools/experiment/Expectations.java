package dev.forkd.tools.experiment;

import dev.forkd.supervisor.Model;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What each model promises when workers crash (issue 6), checked against a run:
 * prefork and fork-per-connection lose nothing but the target; threaded and evented lose exactly the
 * connections of the crashed worker; iterative serves, after the restart, the clients that were
 * queued behind the crashed one. A run that could not have broken a promise (no crash happened,
 * no client was queued) is INCONCLUSIVE, never PASS.
 */
public final class Expectations {
    /** Connections named in a detail, at most; the CSV has them all. */
    private static final int SHOWN = 5;
    static final String ONLY_TARGETS = "collateral losses are 0: a crash costs only its target";
    static final String QUEUED_SERVED = "clients queued behind a crash are served after the restart, none lost";
    public static final String WORKER_SCOPED = "a crash loses every connection of its worker, and no others";

    private Expectations() {
    }

    static List<Expectation> check(Model model, List<ConnectionOutcome> outcomes, List<CrashRecord> crashes,
            FateClassifier.Result fates) {
        List<CrashRecord> injected = crashes.stream().filter(CrashRecord::injected).collect(Collectors.toList());
        switch (model) {
            case PREFORK:
            case FORK_PER_CONNECTION:
                return List.of(noCollateral(injected, crashes, fates));
            case ITERATIVE:
                return List.of(queuedServed(outcomes, injected, crashes), noCollateral(injected, crashes, fates));
            case THREADED:
            case EVENTED:
                return List.of(workerScoped(outcomes, injected, crashes));
            default:
                throw new IllegalArgumentException("no expectation for " + model);
        }
    }

    private static String noCrash(List<CrashRecord> crashes) {
        return "no crash happened (" + crashes.size() + " planned, all skipped): nothing was tested";
    }

    private static Expectation noCollateral(List<CrashRecord> injected, List<CrashRecord> crashes, FateClassifier.Result fates) {
        if (injected.isEmpty()) {
            return Expectation.inconclusive(ONLY_TARGETS, noCrash(crashes));
        }
        List<ConnKey> collateral = fates.fates().entrySet().stream().filter(e -> e.getValue() == Fate.COLLATERAL)
                .map(Map.Entry::getKey).collect(Collectors.toList());
        return Expectation.of(ONLY_TARGETS, collateral.isEmpty(),
                collateral.isEmpty() ? "0 collateral in " + injected.size() + " crash(es)" : collateral.size() + " collateral: " + names(collateral));
    }

    /**
     * Iterative: a client queued behind a crash opened its connection before the crash, was not on
     * the crashed worker, and had no answer from any worker yet (its first reply, to {@code pid},
     * came after the crash or never). Every such client must be served (answered by a worker): the
 * restart serves the queue. One lost before any answer is lost while queued.
     */
    private static Expectation queuedServed(List<ConnectionOutcome> outcomes, List<CrashRecord> injected, List<CrashRecord> crashes) {
        if (injected.isEmpty()) {
            return Expectation.inconclusive(QUEUED_SERVED, noCrash(crashes));
        }
        Set<ConnKey> queued = new TreeSet<>();
        List<ConnKey> lost = new ArrayList<>();
        for (CrashRecord c : injected) {
            Set<ConnKey> onIt = new TreeSet<>(c.onWorker());
            for (ConnectionOutcome o : outcomes) {
                boolean waiting = !o.key().equals(c.target()) && !onIt.contains(o.key()) && o.startMs() <= c.injectedAtMs()
                        && o.endMs() >= c.injectedAtMs() && (o.firstReplyMs() < 0 || o.firstReplyMs() > c.injectedAtMs());
                // served = a worker answered it after the crash; a later crash may still take it (as its target), which is that crash's
                if (waiting && queued.add(o.key()) && o.failed() && o.firstReplyMs() < 0) {
                    lost.add(o.key());
                }
            }
        }
        if (queued.isEmpty()) {
            return Expectation.inconclusive(QUEUED_SERVED, "no client was queued behind any of the " + injected.size()
                    + " crash(es): nothing was tested (more --clients than workers queue some)");
        }
        return Expectation.of(QUEUED_SERVED, lost.isEmpty(), lost.isEmpty()
                ? queued.size() + " client(s) queued behind " + injected.size() + " crash(es), all served"
                : lost.size() + " of " + queued.size() + " queued client(s) lost: " + names(lost));
    }

    /**
     * Threaded: every connection the crashed worker held (the supervisor's list at the crash) is
     * lost, unless it had sent its last request before the crash (its answer was on its way: served,
     * not caught); and every lost connection was held by a crashed worker.
     */
    private static Expectation workerScoped(List<ConnectionOutcome> outcomes, List<CrashRecord> injected, List<CrashRecord> crashes) {
        if (injected.isEmpty()) {
            return Expectation.inconclusive(WORKER_SCOPED, noCrash(crashes));
        }
        Map<ConnKey, ConnectionOutcome> byKey = new HashMap<>();
        outcomes.forEach(o -> byKey.put(o.key(), o));
        Set<ConnKey> onCrashed = new TreeSet<>();
        List<ConnKey> survived = new ArrayList<>();
        int servedBefore = 0;
        for (CrashRecord c : injected) {
            if (c.target() != null) {
                onCrashed.add(c.target());
            }
            for (ConnKey k : c.onWorker()) {
                onCrashed.add(k);
                ConnectionOutcome o = byKey.get(k);
                if (o == null || o.failed()) {
                    continue;
                }
                if (o.lastSentMs() >= 0 && o.lastSentMs() <= c.injectedAtMs()) {
                    servedBefore++;
                } else {
                    survived.add(k);
                }
            }
        }
        List<ConnKey> lostElsewhere = new ArrayList<>();
        int lostOnCrashed = 0;
        for (ConnectionOutcome o : outcomes) {
            if (o.failed()) {
                if (onCrashed.contains(o.key())) {
                    lostOnCrashed++;
                } else {
                    lostElsewhere.add(o.key());
                }
            }
        }
        boolean pass = lostElsewhere.isEmpty() && survived.isEmpty();
        String detail = pass
                ? onCrashed.size() + " connection(s) held by " + injected.size() + " crashed worker(s): " + lostOnCrashed + " lost"
                        + (servedBefore > 0 ? ", " + servedBefore + " answered before the crash" : "") + "; no other connection lost"
                : String.join("; ", failures(lostElsewhere, survived));
        return Expectation.of(WORKER_SCOPED, pass, detail);
    }

    private static List<String> failures(List<ConnKey> lostElsewhere, List<ConnKey> survived) {
        List<String> f = new ArrayList<>();
        if (!lostElsewhere.isEmpty()) {
            f.add(lostElsewhere.size() + " lost though no crashed worker held them: " + names(lostElsewhere));
        }
        if (!survived.isEmpty()) {
            f.add(survived.size() + " held by a crashed worker yet completed: " + names(survived));
        }
        return f;
    }

    private static String names(List<ConnKey> keys) {
        String shown = keys.stream().sorted().limit(SHOWN).map(ConnKey::toString).collect(Collectors.joining(", "));
        return keys.size() > SHOWN ? shown + ", ..." : shown;
    }
}
