package dev.forkd.supervisor.launch;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How the workers' JIT compiles ({@code --worker-jit}). C1 alone boots a worker fastest and is the
 * right trade for a worker that serves one connection and exits; a worker that lives for hours runs
 * a compute-bound handler several times slower without C2, for its whole life.
 */
public enum WorkerJit {
    /** FAST for workers that serve one connection in their life, FULL for the others; see {@link #resolve}. */
    AUTO(List.of(), "auto"),
    /** C1 only: the shortest boot, and a single compiler thread (C1 needs no more). */
    FAST(List.of("-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1"), "fast (C1 only)"),
    /**
     * The JVM's tiered compilation, C1 then C2, with one compiler thread of each: the JVM's own
     * count grows with the CPUs (12 on 32), each a thread and an arena, in every one of forkd's
     * 2 x CPUs workers; the workers already compile in parallel with each other.
     */
    FULL(List.of("-XX:CICompilerCount=2"), "full (tiered, C1 and C2)"),
    /** Resolved from AUTO when --worker-jvm-opt chooses the JIT: no option of forkd's, the user's decide. */
    USER(List.of(), "as --worker-jvm-opt says");

    /** Options that choose the JIT: with one of them in --worker-jvm-opt, the user has chosen. */
    private static final List<String> JIT_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=", "-XX:+TieredCompilation", "-XX:-TieredCompilation", "-XX:CICompilerCount=",
            "-Xint", "-Xcomp", "-XX:+UseJVMCICompiler");

    private final List<String> jvmOptions;
    private final String description;

    WorkerJit(List<String> jvmOptions, String description) {
        this.jvmOptions = jvmOptions;
        this.description = description;
    }

    /** The workers' JVM options for this choice (none for AUTO, which is resolved before launching). */
    public List<String> jvmOptions() {
        return jvmOptions;
    }

    /** For the start line: what the workers run with. */
    public String description() {
        return description;
    }

    public static WorkerJit parse(String text) {
        for (WorkerJit j : new WorkerJit[] {AUTO, FAST, FULL}) {
            if (j.name().equalsIgnoreCase(text.trim())) {
                return j;
            }
        }
        throw new IllegalArgumentException("unknown JIT choice '" + text + "' (choose from auto, fast, full)");
    }

    /**
     * The choice for launching: AUTO becomes FAST when every worker serves one connection and
     * exits (fork-per-connection, or {@code --recycle-after 1}), FULL otherwise; and USER when the
     * user's JVM options choose the JIT themselves, so that theirs decide alone.
     */
    public WorkerJit resolve(boolean oneConnectionPerWorker, List<String> userOptions) {
        if (this != AUTO) {
            return this;
        }
        if (userJitOption(userOptions).isPresent()) {
            return USER;
        }
        return oneConnectionPerWorker ? FAST : FULL;
    }

    /**
     * Why this explicit choice cannot go with {@code userOptions}, or empty: the two would both set
     * the JIT, and some pairs stop every worker from starting (C2 with -XX:CICompilerCount=1).
     */
    public Optional<String> conflict(List<String> userOptions) {
        if (this == AUTO) {
            return Optional.empty();
        }
        return userJitOption(userOptions).map(o -> "--worker-jit " + name().toLowerCase(Locale.ROOT)
                + " and --worker-jvm-opt " + o + " both choose the workers' JIT: give one of them");
    }

    /** The first of {@code userOptions} that chooses the JIT, if any. */
    static Optional<String> userJitOption(List<String> userOptions) {
        return userOptions.stream().filter(o -> JIT_OPTIONS.stream().anyMatch(o.trim()::startsWith)).findFirst();
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
