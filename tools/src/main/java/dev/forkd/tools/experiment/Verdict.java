package dev.forkd.tools.experiment;

import java.util.Collection;

/** What a run showed about an expectation: held, broken, or not tested at all (a check that could not have failed). */
public enum Verdict {
    PASS,
    FAIL,
    /** The run could not test the claim (no crash happened, no client was queued): neither a pass nor a failure. */
    INCONCLUSIVE;

    /** FAIL if any failed, else INCONCLUSIVE if any was not tested, else PASS; PASS of nothing is INCONCLUSIVE. */
    public static Verdict of(Collection<Verdict> verdicts) {
        if (verdicts.contains(FAIL)) {
            return FAIL;
        }
        if (verdicts.isEmpty() || verdicts.contains(INCONCLUSIVE)) {
            return INCONCLUSIVE;
        }
        return PASS;
    }
}
