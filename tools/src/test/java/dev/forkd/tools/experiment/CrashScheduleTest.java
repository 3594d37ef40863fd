package dev.forkd.tools.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrashScheduleTest {
    @Test
    void theSameSeedGivesTheSameSchedule() {
        List<CrashSchedule.Planned> a = CrashSchedule.of(7, Duration.ofSeconds(30), Duration.ofSeconds(2));
        List<CrashSchedule.Planned> b = CrashSchedule.of(7, Duration.ofSeconds(30), Duration.ofSeconds(2));
        assertEquals(a, b);
        assertNotEquals(a, CrashSchedule.of(8, Duration.ofSeconds(30), Duration.ofSeconds(2)), "another seed, other draws");
    }

    @Test
    void crashesAtEveryMultipleBeforeTheEnd() {
        List<CrashSchedule.Planned> plan = CrashSchedule.of(1, Duration.ofSeconds(5), Duration.ofSeconds(1));
        assertEquals(List.of(1000L, 2000L, 3000L, 4000L), plan.stream().map(CrashSchedule.Planned::atMs).toList(),
                "k × every for k ≥ 1 while before the end: none at 0, none at 5 s");
        assertEquals(List.of(1, 2, 3, 4), plan.stream().map(CrashSchedule.Planned::index).toList());
        assertEquals(List.of(), CrashSchedule.of(1, Duration.ofSeconds(2), Duration.ofSeconds(2)), "no crash at the very end");
        assertEquals(14, CrashSchedule.of(1, Duration.ofSeconds(30), Duration.ofSeconds(2)).size());
        assertEquals(3, CrashSchedule.of(1, Duration.ofMillis(1600), Duration.ofMillis(500)).size(), "500, 1000, 1500 ms");
    }

    @Test
    void drawsArePinnedBySeedNotByJvm() {
        // java.util.Random's sequence is part of its specification: these stay the same everywhere
        List<CrashSchedule.Planned> plan = CrashSchedule.of(7, Duration.ofSeconds(5), Duration.ofSeconds(1));
        assertEquals(0.7306990420600421, plan.get(0).choice());
        assertEquals(0.7491696031336331, plan.get(1).choice());
        for (CrashSchedule.Planned p : plan) {
            assertTrue(p.choice() >= 0 && p.choice() < 1, "draw in [0, 1): " + p.choice());
        }
    }

    @Test
    void theDrawPicksAmongTheCandidatesOfTheMoment() {
        assertEquals(0, new CrashSchedule.Planned(1, 1000, 0.0).pick(5));
        assertEquals(3, new CrashSchedule.Planned(1, 1000, 0.7306990420600421).pick(5));
        assertEquals(4, new CrashSchedule.Planned(1, 1000, 0.9999999).pick(5));
        assertEquals(0, new CrashSchedule.Planned(1, 1000, 0.9999999).pick(1));
        assertThrows(IllegalArgumentException.class, () -> new CrashSchedule.Planned(1, 1000, 0.5).pick(0));
    }

    @Test
    void aZeroIntervalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CrashSchedule.of(1, Duration.ofSeconds(5), Duration.ZERO));
    }
}
