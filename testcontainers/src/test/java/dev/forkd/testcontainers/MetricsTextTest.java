package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class MetricsTextTest {
    private static final String TEXT = "# HELP forkd_connections_active Connections being relayed now.\n"
            + "# TYPE forkd_connections_active gauge\n"
            + "forkd_connections_active_max 9.0\n"
            + "forkd_connections_active 3.0\n"
            + "forkd_worker_restarts_total{reason=\"crash\"} 2.0\n"
            + "forkd_worker_restarts_total{reason=\"hang\"} 0.0\n"
            + "forkd_queue_wait_seconds_bucket{le=\"+Inf\"} 4 1700000000000\n"
            + "forkd_odd +Inf\n";

    @Test
    void findsASeriesByItsWholeNameAndLabels() {
        assertEquals(OptionalDouble.of(3.0), MetricsText.sample(TEXT, "forkd_connections_active"));
        assertEquals(OptionalDouble.of(2.0), MetricsText.sample(TEXT, "forkd_worker_restarts_total{reason=\"crash\"}"));
        assertEquals(OptionalDouble.of(4.0), MetricsText.sample(TEXT, "forkd_queue_wait_seconds_bucket{le=\"+Inf\"}"), "a timestamp follows");
        assertEquals(Double.POSITIVE_INFINITY, MetricsText.sample(TEXT, "forkd_odd").getAsDouble());
    }

    @Test
    void aPrefixOrAnAbsentSeriesIsNoMatch() {
        assertTrue(MetricsText.sample(TEXT, "forkd_connections").isEmpty());
        assertTrue(MetricsText.sample(TEXT, "forkd_worker_restarts_total").isEmpty(), "labels are part of the series");
        assertTrue(MetricsText.sample("", "forkd_connections_active").isEmpty());
    }
}
