package dev.forkd.tools.experiment;

import dev.forkd.supervisor.Model;
import java.util.List;

/** What one model's run recorded, before any judgement. */
public record ModelRunData(Model model, int workers, long durationMs, List<ConnectionOutcome> outcomes, List<CrashRecord> crashes,
        long bucketMs, long[] requestsPerBucket, List<Long> rssPerWorkerKiB, List<Long> rssTotalKiB, int supervisorExit) {
}
