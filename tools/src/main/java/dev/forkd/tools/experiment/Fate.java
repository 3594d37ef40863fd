package dev.forkd.tools.experiment;

import java.util.Locale;

/** What became of one load connection in the crash experiment. */
public enum Fate {
    /** Every request answered. */
    COMPLETED,
    /** Failed, and was the target of a crash: its own worker was the one crashed for it. */
    CRASHED,
    /** Failed without being a target: what crash isolation is meant to prevent. */
    COLLATERAL;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
