package dev.forkd.supervisor;

/** One expected property of a model under crashes, and whether the run showed it. */
record Expectation(String name, boolean pass, String detail) {
    String verdict() {
        return pass ? "PASS" : "FAIL";
    }
}
