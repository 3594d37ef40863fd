package dev.forkd.tools.experiment.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.Model;
import dev.forkd.tools.experiment.ModelResult;
import dev.forkd.tools.experiment.ThroughputBuckets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** The report's one summary of a sample ({@link Distribution}), and the throughput buckets. */
class ExperimentStatsTest {
    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.0f ms", v);
    }

    @Test
    void belowTwentySamplesMinMedianMaxAndNoP99() {
        Distribution d = Distribution.of(List.of(400L, 100L, 300L, 200L));
        assertEquals(4, d.n());
        assertEquals(100, d.min());
        assertEquals(250, d.median(), "the median of an even count lies between the middle two");
        assertEquals(400, d.max());
        assertTrue(Double.isNaN(d.p99()), "a p99 of 4 samples is their max under another name");
        assertEquals("min 100 ms / median 250 ms / max 400 ms (n=4)", d.describe(ExperimentStatsTest::ms));
        Distribution nineteen = Distribution.of(values(19));
        assertTrue(Double.isNaN(nineteen.p99()));
        assertTrue(nineteen.describe(ExperimentStatsTest::ms).startsWith("min 1 ms / median 10 ms / max 19 ms (n=19)"));
    }

    @Test
    void fromTwentySamplesPercentiles() {
        Distribution d = Distribution.of(values(100));
        assertEquals(100, d.n());
        assertEquals(50.5, d.median());
        assertEquals(99.01, d.p99(), 1e-9, "linear between the closest ranks");
        assertEquals(25.75, d.q1(), 1e-9);
        assertEquals("p50 51 ms / p99 99 ms / max 100 ms (n=100)", d.describe(v -> String.format(Locale.ROOT, "%.0f ms", v)));
        assertTrue(Distribution.of(values(20)).percentilesShown());
    }

    @Test
    void emptyIsNaNAndSaysN0() {
        Distribution d = Distribution.of(List.of());
        assertEquals(0, d.n());
        assertTrue(Double.isNaN(d.median()) && Double.isNaN(d.mean()) && Double.isNaN(d.max()));
        assertEquals("- (n=0)", d.describe(ExperimentStatsTest::ms));
        assertThrows(IllegalArgumentException.class, () -> Distribution.quantile(List.of(1.0), 1.5));
    }

    @Test
    void meanAndMax() {
        assertEquals(2.5, Distribution.of(List.of(1, 2, 3, 4)).mean());
        assertEquals(4, Distribution.of(List.of(1, 4, 3)).max());
    }

    /** The table's median and the plot's are one number: the plot draws the Distribution the table prints. */
    @Test
    void thePlotDrawsTheTablesMedianMinMaxAndN() {
        List<Long> latencies = List.of(900L, 100L, 120L, 130L);   // XChart's own box plot put this median elsewhere
        ModelResult r = ReportWriterTest.withLatencies(Model.PREFORK, latencies);
        Distribution d = Distribution.of(latencies);
        XYChart chart = ReportCharts.restartLatency(List.of(r));
        XYSeries whisker = chart.getSeriesMap().get("prefork (n=4)");
        assertEquals(d.min(), whisker.getYData()[0]);
        assertEquals(d.max(), whisker.getYData()[1]);
        XYSeries median = chart.getSeriesMap().get("prefork median");
        assertEquals(d.median(), median.getYData()[0]);
        assertEquals(125, d.median());
        String cell = ReportTables.summary(List.of(r)).rows().get(0).get(7);
        assertEquals("min 100 ms / median 125 ms / max 900 ms (n=4)", cell);
        assertTrue(chart.getStyler().isYAxisLogarithmic(), "fork-per-connection's few ms and iterative's seconds on one readable scale");
        assertTrue(chart.getSeriesMap().keySet().stream().noneMatch(k -> k.equals("prefork box")), "no box (quartiles) below n=20");
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

    private static List<Long> values(int n) {
        List<Long> v = new ArrayList<>();
        for (long i = 1; i <= n; i++) {
            v.add(i);
        }
        return v;
    }
}
