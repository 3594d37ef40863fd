package dev.forkd.tools.experiment;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * When to crash, fixed by the seed: at k × every (k ≥ 1) while before the end, each with a
 * random draw in [0, 1) that picks the target among the busy connections of that moment. The
 * draws, not the targets, are what a seed reproduces: which connections are busy depends on timing.
 */
public final class CrashSchedule {
    /** One planned crash: its number (from 1), its time from the start of the load, and its draw. */
    public record Planned(int index, long atMs, double choice) {
        /** The candidate picked by this crash's draw among {@code n} (sorted) candidates. */
        int pick(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("no candidate to pick from");
            }
            return Math.min(n - 1, (int) Math.floor(choice * n));
        }
    }

    private CrashSchedule() {
    }

    public static List<Planned> of(long seed, Duration duration, Duration every) {
        if (every.isZero() || every.isNegative()) {
            throw new IllegalArgumentException("the crash interval must be more than 0");
        }
        // java.util.Random is specified bit for bit, so a seed gives the same draws on every JVM
        Random random = new Random(seed);
        List<Planned> plan = new ArrayList<>();
        long end = duration.toMillis();
        long step = every.toMillis();
        for (int k = 1; (long) k * step < end; k++) {
            plan.add(new Planned(k, k * step, random.nextDouble()));
        }
        return List.copyOf(plan);
    }
}
