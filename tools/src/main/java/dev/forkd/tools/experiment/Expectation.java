package dev.forkd.tools.experiment;

/** One expected property of a model under crashes, and what the run showed of it. */
public record Expectation(String name, Verdict verdict, String detail) {
    static Expectation of(String name, boolean pass, String detail) {
        return new Expectation(name, pass ? Verdict.PASS : Verdict.FAIL, detail);
    }

    static Expectation inconclusive(String name, String why) {
        return new Expectation(name, Verdict.INCONCLUSIVE, why);
    }

    public boolean pass() {
        return verdict == Verdict.PASS;
    }
}
