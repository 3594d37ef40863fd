package dev.forkd.tools.experiment.report;

import dev.forkd.tools.experiment.CrashConfig;
import dev.forkd.tools.experiment.CrashSchedule;
import dev.forkd.tools.experiment.ModelResult;
import dev.forkd.tools.experiment.RunEnvironment;
import dev.forkd.tools.experiment.Verdict;
import java.time.Instant;
import java.util.List;

/** Everything the crash experiment's report files are made from. */
public record ExperimentReport(CrashConfig config, List<CrashSchedule.Planned> schedule, List<ModelResult> results, Instant startedAt,
        RunEnvironment environment) {
    /** FAIL if any model failed an expectation, else INCONCLUSIVE if one could not be tested, else PASS. */
    public Verdict verdict() {
        return Verdict.of(results.stream().map(ModelResult::verdict).toList());
    }
}
