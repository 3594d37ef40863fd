package dev.forkd.supervisor;

import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's plots, drawn with XChart as PNG: throughput over time, connections lost, restart latency. */
final class ReportCharts {
    static final String THROUGHPUT = "throughput.png";
    static final String LOSSES = "losses.png";
    static final String RESTART_LATENCY = "restart-latency.png";
    private static final int WIDTH = 960;
    private static final int HEIGHT = 460;

    private ReportCharts() {
    }

    /** File name → PNG bytes, in the order the report shows them. */
    static Map<String, byte[]> render(ExperimentReport report) throws IOException {
        // the charts are drawn off screen; there may be no display at all
        System.setProperty("java.awt.headless", "true");
        Map<String, byte[]> pngs = new LinkedHashMap<>();
        pngs.put(THROUGHPUT, png(throughput(report)));
        pngs.put(LOSSES, png(losses(report.results())));
        pngs.put(RESTART_LATENCY, png(restartLatency(report.results())));
        return pngs;
    }

    static XYChart throughput(ExperimentReport report) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Throughput over time, crash " + report.config().kind() + " every "
                        + dev.forkd.shared.Durations.format(report.config().crashEvery()))
                .xAxisTitle("seconds since the load started").yAxisTitle("requests/s").build();
        style(chart.getStyler());
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setMarkerSize(9);
        double top = 1;
        for (ModelResult r : report.results()) {
            long[] counts = r.data.requestsPerBucket();
            double perSecond = 1000.0 / r.data.bucketMs();
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < counts.length; i++) {
                x.add(i * r.data.bucketMs() / 1000.0);
                y.add(counts[i] * perSecond);
                top = Math.max(top, counts[i] * perSecond);
            }
            if (!x.isEmpty()) {
                chart.addSeries(r.model().cliName, x, y).setMarker(SeriesMarkers.NONE);
            }
        }
        if (!report.schedule().isEmpty()) {
            // the schedule is the same for every model: one marker per crash, along the top
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (CrashSchedule.Planned p : report.schedule()) {
                x.add(p.atMs() / 1000.0);
                y.add(top * 1.04);
            }
            XYSeries crashes = chart.addSeries("crash", x, y);
            crashes.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            crashes.setMarker(SeriesMarkers.TRIANGLE_DOWN);
            crashes.setMarkerColor(Color.RED);
        }
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("no data", new double[] {0}, new double[] {0});
        }
        return chart;
    }

    static CategoryChart losses(List<ModelResult> results) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Connections lost per model").xAxisTitle("model").yAxisTitle("connections").build();
        style(chart.getStyler());
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setLabelsVisible(true);
        List<String> models = new ArrayList<>();
        List<Long> crashed = new ArrayList<>();
        List<Long> collateral = new ArrayList<>();
        for (ModelResult r : results) {
            models.add(r.model().cliName);
            crashed.add(r.crashed());
            collateral.add(r.collateral());
        }
        if (models.isEmpty()) {
            models.add("none");
            crashed.add(0L);
            collateral.add(0L);
        }
        chart.addSeries("targets (crashed)", models, crashed).setFillColor(new Color(0x8c, 0x8c, 0x8c));
        chart.addSeries("collateral", models, collateral).setFillColor(new Color(0xd6, 0x27, 0x28));
        return chart;
    }

    /** A box per model over its crashes' restart latencies; a model with none measured has no box. */
    static Chart<?, ?> restartLatency(List<ModelResult> results) {
        BoxChart chart = new BoxChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Restart latency: crash to pool ready again").xAxisTitle("model").yAxisTitle("ms").build();
        style(chart.getStyler());
        for (ModelResult r : results) {
            List<Long> l = r.restartLatenciesMs();
            if (!l.isEmpty()) {
                chart.addSeries(r.model().cliName, l);
            }
        }
        if (chart.getSeriesMap().isEmpty()) {
            CategoryChart empty = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                    .title("Restart latency: no restart was measured").xAxisTitle("model").yAxisTitle("ms").build();
            style(empty.getStyler());
            empty.addSeries("none", List.of("none"), List.of(0));
            return empty;
        }
        return chart;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
    }

    static byte[] png(Chart<?, ?> chart) throws IOException {
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
