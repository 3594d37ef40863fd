package dev.forkd.supervisor;

import java.time.Instant;
import java.util.List;

/** Everything the crash experiment's report files are made from. */
record ExperimentReport(CrashConfig config, List<CrashSchedule.Planned> schedule, List<ModelResult> results, Instant startedAt,
        RunEnvironment environment) {
    /** FAIL if any model failed an expectation, else INCONCLUSIVE if one could not be tested, else PASS. */
    Verdict verdict() {
        return Verdict.of(results.stream().map(ModelResult::verdict).toList());
    }
}
