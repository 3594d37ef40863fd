package dev.forkd.tools.experiment.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes the report's files into the --out directory. */
public final class ReportWriter {
    public static final String JSON = "results.json";
    public static final String CSV = "results.csv";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "index.html";

    private ReportWriter() {
    }

    public static void write(ExperimentReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Writer w = Files.newBufferedWriter(dir.resolve(JSON), StandardCharsets.UTF_8)) {
            ResultsJson.write(report, w);
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve(CSV), StandardCharsets.UTF_8)) {
            ResultsCsv.write(report.results(), w);
        }
        Map<String, byte[]> pngs = ReportCharts.render(report);
        for (Map.Entry<String, byte[]> png : pngs.entrySet()) {
            Files.write(dir.resolve(png.getKey()), png.getValue());
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve(MARKDOWN), StandardCharsets.UTF_8)) {
            ReportMarkdown.write(report, w);
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve(HTML), StandardCharsets.UTF_8)) {
            ReportHtml.write(report, pngs, w);
        }
    }
}
