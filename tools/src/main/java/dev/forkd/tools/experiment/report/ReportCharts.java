package dev.forkd.tools.experiment.report;

import dev.forkd.tools.experiment.CrashSchedule;
import dev.forkd.tools.experiment.ModelResult;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
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

    /** Below this fraction of the busiest model's peak, a model's throughput is drawn on the right-hand axis. */
    static final double LOW_THROUGHPUT = 0.1;

    private static double peak(ModelResult r) {
        long max = 0;
        for (long c : r.data.requestsPerBucket()) {
            max = Math.max(max, c);
        }
        return max * 1000.0 / r.data.bucketMs();
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
            top = Math.max(top, peak(r));
        }
        boolean right = false;
        for (ModelResult r : report.results()) {
            long[] counts = r.data.requestsPerBucket();
            double perSecond = 1000.0 / r.data.bucketMs();
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < counts.length; i++) {
                x.add(i * r.data.bucketMs() / 1000.0);
                y.add(counts[i] * perSecond);
            }
            if (x.isEmpty()) {
                continue;
            }
            // a model far below the others (fork-per-connection: a JVM per connection) would be a flat line at zero
            // on their scale: it gets the right-hand axis, a scale of its own
            boolean low = peak(r) > 0 && peak(r) < top * LOW_THROUGHPUT;
            XYSeries s = chart.addSeries(r.model().cliName + (low ? " (right axis)" : ""), x, y);
            s.setMarker(SeriesMarkers.NONE);
            if (low) {
                s.setYAxisGroup(1);
                right = true;
            }
        }
        if (right) {
            chart.setYAxisGroupTitle(1, "requests/s (right axis)");
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            chart.getStyler().setYAxisMin(1, 0.0);
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

    /** Below this a latency is drawn at it: a log axis has no 0. */
    static final double LOG_FLOOR_MS = 1;
    private static final Color[] PALETTE = {new Color(0x1f, 0x77, 0xb4), new Color(0xff, 0x7f, 0x0e), new Color(0x2c, 0xa0, 0x2c),
        new Color(0x94, 0x67, 0xbd), new Color(0x8c, 0x56, 0x4b), new Color(0xe3, 0x77, 0xc2)};

    /**
     * Per model, drawn from the same {@link Distribution} as the tables: a whisker from min to max, a
     * thick bar at the median, a box from q1 to q3 once n reaches {@value Distribution#MIN_FOR_PERCENTILES},
     * and "n=" above it. On a log axis, so that fork-per-connection's few milliseconds and iterative's
     * seconds are both readable.
     */
    static XYChart restartLatency(List<ModelResult> results) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Restart latency: crash to pool ready again (log scale; whisker min-max, bar median, box q1-q3 from n="
                        + Distribution.MIN_FOR_PERCENTILES + ")")
                .xAxisTitle("model").yAxisTitle("ms").build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisMin(0.5);
        chart.getStyler().setXAxisMax(results.size() + 0.5);
        chart.getStyler().setMarkerSize(0);
        List<String> names = new ArrayList<>();
        double top = LOG_FLOOR_MS * 10;
        for (int i = 0; i < results.size(); i++) {
            ModelResult r = results.get(i);
            Distribution d = Distribution.of(r.restartLatenciesMs());
            double x = i + 1;
            names.add(r.model().cliName);
            Color color = PALETTE[i % PALETTE.length];
            if (d.n() == 0) {
                chart.addAnnotation(new org.knowm.xchart.AnnotationText("n=0", x, LOG_FLOOR_MS * 2, false));
                continue;
            }
            line(chart, r.model().cliName + " (n=" + d.n() + ")", color, 2f, true, new double[] {x, x},
                    new double[] {floor(d.min()), floor(d.max())});
            if (d.percentilesShown()) {
                line(chart, r.model().cliName + " box", color, 2f, false, new double[] {x - 0.2, x + 0.2, x + 0.2, x - 0.2, x - 0.2},
                        new double[] {floor(d.q1()), floor(d.q1()), floor(d.q3()), floor(d.q3()), floor(d.q1())});
            }
            line(chart, r.model().cliName + " median", color, 6f, false, new double[] {x - 0.25, x + 0.25},
                    new double[] {floor(d.median()), floor(d.median())});
            chart.addAnnotation(new org.knowm.xchart.AnnotationText("n=" + d.n(), x, floor(d.max()) * 1.3, false));
            top = Math.max(top, floor(d.max()) * 2);
        }
        chart.getStyler().setYAxisMin(LOG_FLOOR_MS);
        chart.getStyler().setYAxisMax(top);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> {
            long k = Math.round(x);
            return Math.abs(x - k) < 1e-6 && k >= 1 && k <= names.size() ? names.get((int) k - 1) : "";
        });
        if (chart.getSeriesMap().isEmpty()) {
            chart.setTitle("Restart latency: no restart was measured");
            line(chart, "none", Color.GRAY, 1f, true, new double[] {0.5, 0.5}, new double[] {LOG_FLOOR_MS, LOG_FLOOR_MS});
        }
        return chart;
    }

    private static double floor(double ms) {
        return Math.max(LOG_FLOOR_MS, ms);
    }

    private static void line(XYChart chart, String name, Color color, float width, boolean legend, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineWidth(width);
        s.setShowInLegend(legend);
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
