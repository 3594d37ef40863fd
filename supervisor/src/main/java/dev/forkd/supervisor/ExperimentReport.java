package dev.forkd.supervisor;

import java.time.Instant;
import java.util.List;

/** Everything the crash experiment's report files are made from. */
record ExperimentReport(CrashConfig config, List<CrashSchedule.Planned> schedule, List<ModelResult> results, Instant startedAt,
        String forkdVersion) {
    boolean passed() {
        return results.stream().allMatch(ModelResult::passed);
    }
}
