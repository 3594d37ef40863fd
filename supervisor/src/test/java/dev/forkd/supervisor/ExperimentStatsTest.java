package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentStatsTest {
    @Test
    void nearestRankPercentiles() {
        List<Integer> v = List.of(15, 20, 35, 40, 50);
        assertEquals(15, ExperimentStats.percentile(v, 5));
        assertEquals(20, ExperimentStats.percentile(v, 30));
        assertEquals(35, ExperimentStats.percentile(v, 50));
        assertEquals(50, ExperimentStats.percentile(v, 99));
        assertEquals(50, ExperimentStats.percentile(v, 100));
        assertEquals(7, ExperimentStats.percentile(List.of(7L), 99), "one value is every percentile");
    }

    @Test
    void percentilesDoNotCareAboutOrder() {
        List<Long> v = List.of(900L, 100L, 500L, 300L, 700L, 200L, 800L, 400L, 600L, 1000L);
        assertEquals(500, ExperimentStats.percentile(v, 50));
        assertEquals(1000, ExperimentStats.percentile(v, 99));
        assertEquals(900, ExperimentStats.percentile(v, 90));
    }

    @Test
    void emptyIsNaNNotZero() {
        assertTrue(Double.isNaN(ExperimentStats.percentile(List.of(), 50)));
        assertTrue(Double.isNaN(ExperimentStats.mean(List.of())));
        assertTrue(Double.isNaN(ExperimentStats.max(List.of())));
        assertThrows(IllegalArgumentException.class, () -> ExperimentStats.percentile(List.of(1), 0));
        assertThrows(IllegalArgumentException.class, () -> ExperimentStats.percentile(List.of(1), 101));
    }

    @Test
    void meanAndMax() {
        assertEquals(2.5, ExperimentStats.mean(List.of(1, 2, 3, 4)));
        assertEquals(4, ExperimentStats.max(List.of(1, 4, 3)));
    }

    @Test
    void throughputBucketsCountPerQuarterSecond() {
        ThroughputBuckets b = new ThroughputBuckets(250, 1000);
        for (long t : new long[] {0, 1, 249, 250, 999, 1000, 5000, -1}) {
            b.record(t);
        }
        assertArrayEquals(new long[] {3, 1, 0, 1}, b.counts(), "[0,250) [250,500) [500,750) [750,1000); outside the span not counted");
        assertEquals(250, b.bucketMs());
        assertEquals(3, new ThroughputBuckets(250, 501).counts().length, "a partial last bucket is a bucket");
    }
}
