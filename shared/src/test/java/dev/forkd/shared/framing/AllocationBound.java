package dev.forkd.shared.framing;

/**
 * The fuzz harnesses' allocation property: one decode call allocates within a bound. The
 * thread's allocation counter also counts what is not the decoder's doing and happens once: a
 * class loaded (and, while fuzzing, instrumented by Jazzer) on its first use, the JIT
 * deoptimising a compiled frame and rebuilding the objects it had optimised away. A decoder that
 * allocates in proportion to what a client announces does so every time, so an input that
 * exceeds the bound is run a second time, and only a second excess fails.
 */
final class AllocationBound {
    /** An excess in one run of an input: a finding only if the next run repeats it. */
    static final class Exceeded extends AssertionError {
        private static final long serialVersionUID = 1L;

        Exceeded(String message) {
            super(message);
        }
    }

    private AllocationBound() {
    }

    /** Throws {@link Exceeded} when {@code used} is over {@code bound}. */
    static void check(long used, long bound, String what) {
        if (used > bound) {
            throw new Exceeded(what + " allocated " + used + " bytes; the bound is " + bound);
        }
    }

    /** Runs {@code check}, and once more if it exceeded an allocation bound; a second excess fails. */
    static void twice(Runnable check) {
        try {
            check.run();
        } catch (Exceeded first) {
            try {
                check.run();
            } catch (Exceeded again) {
                AssertionError e = new AssertionError(again.getMessage() + ", in two runs of the same input (first: "
                        + first.getMessage() + ")");
                e.addSuppressed(first);
                throw e;
            }
        }
    }
}
