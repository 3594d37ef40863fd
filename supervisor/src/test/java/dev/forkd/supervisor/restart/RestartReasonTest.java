package dev.forkd.supervisor.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The status table's restart text, from counts by reason, in the enum's order. */
class RestartReasonTest {
    @Test
    void describesTheTotalThenEachReasonThatHappened() {
        assertEquals("0", RestartReason.describe(r -> 0));
        assertEquals("5 (reload 5)", RestartReason.describe(r -> r == RestartReason.RELOAD ? 5 : 0));
        Map<RestartReason, Long> mixed = Map.of(RestartReason.SCALE, 1L, RestartReason.CRASH, 2L, RestartReason.HANG, 1L);
        assertEquals("4 (crash 2, hang 1, scale 1)", RestartReason.describe(r -> mixed.getOrDefault(r, 0L)));
    }

    @Test
    void onlyTheWorkersFaultsCountAgainstMaxRestarts() {
        for (RestartReason r : RestartReason.values()) {
            boolean expected = r == RestartReason.CRASH || r == RestartReason.HANG || r == RestartReason.BOOT_FAILURE;
            assertEquals(expected, r.unplanned(), r.label());
        }
        assertEquals("boot_failure", RestartReason.BOOT_FAILURE.label());
    }
}
