package dev.forkd.tools.experiment.report;

import static dev.forkd.tools.experiment.FateClassifierTest.crash;
import static dev.forkd.tools.experiment.FateClassifierTest.done;
import static dev.forkd.tools.experiment.FateClassifierTest.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.Model;
import dev.forkd.tools.experiment.ConnKey;
import dev.forkd.tools.experiment.CrashConfig;
import dev.forkd.tools.experiment.CrashKind;
import dev.forkd.tools.experiment.CrashRecord;
import dev.forkd.tools.experiment.CrashSchedule;
import dev.forkd.tools.experiment.Expectations;
import dev.forkd.tools.experiment.ModelResult;
import dev.forkd.tools.experiment.ModelRunData;
import dev.forkd.tools.experiment.RunEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    private static final ConnKey TARGET = new ConnKey(1, 2);

    static ExperimentReport report() {
        CrashConfig config = new CrashConfig(List.of(Model.PREFORK, Model.THREADED), 2, 3, Duration.ofSeconds(3), Duration.ofSeconds(1),
                CrashKind.KILL9, 7, 5, Path.of("report"));
        List<CrashSchedule.Planned> plan = CrashSchedule.of(7, config.duration(), config.crashEvery());
        ModelRunData prefork = new ModelRunData(Model.PREFORK, 2, 3000,
                List.of(done(1, 1, 100, 0, 10), failed(1, 2, 100, 990, 1006), done(2, 1, 200, 5, 30), failed(3, 1, 0, 995, 1003)),
                List.of(crash(1, 1000, 100, TARGET, TARGET),
                        CrashRecord.skipped(plan.get(1), CrashKind.KILL9, "no load connection was in the middle of its requests")),
                250, new long[] {40, 44, 0, 12, 36, 40, 41, 39, 40, 42, 38, 40}, List.of(40_000L, 44_000L), List.of(84_000L), 0);
        ModelRunData threaded = new ModelRunData(Model.THREADED, 2, 3000, List.of(), List.of(), 250, new long[12], List.of(), List.of(), 0);
        return new ExperimentReport(config, plan, List.of(ModelResult.of(prefork), ModelResult.of(threaded)),
                Instant.parse("2026-01-02T03:04:05Z"), ENV);
    }

    static final RunEnvironment ENV = new RunEnvironment("0.1.0-test", "OpenJDK 64-Bit Server VM", "17.0.9+9", "Linux 6.1 amd64", 2,
            8L << 30);

    /** A model's result whose crashes (one per latency, no connection lost) recovered after {@code latencies} ms. */
    static ModelResult withLatencies(Model model, List<Long> latencies) {
        List<CrashRecord> crashes = new java.util.ArrayList<>();
        for (int i = 0; i < latencies.size(); i++) {
            long at = 1000L * (i + 1);
            crashes.add(new CrashRecord(i + 1, at, 0.5, CrashKind.KILL9, null, at, 100 + i, i, 0, null, at + 5, List.of(), List.of(),
                    at + 10, at + latencies.get(i)));
        }
        return ModelResult.of(new ModelRunData(model, 2, 10_000, List.of(), crashes, 250, new long[40], List.of(), List.of(), 0));
    }

    @Test
    void everyFileIsWrittenAndParses(@TempDir Path dir) throws Exception {
        ExperimentReport report = report();
        ReportWriter.write(report, dir);

        JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(7, json.get("seed").asLong());
        assertEquals(2, json.get("schedule").size(), "crashes at 1 s and 2 s of 3 s");
        assertFalse(json.get("passed").asBoolean(), "prefork lost c3#1, which was no target");
        assertEquals("FAIL", json.get("verdict").asText());
        JsonNode env = json.get("environment");
        assertEquals("0.1.0-test", env.get("forkdVersion").asText());
        assertEquals("OpenJDK 64-Bit Server VM", env.get("javaVmName").asText());
        assertEquals("17.0.9+9", env.get("javaVmVersion").asText());
        assertEquals(2, env.get("cores").asInt());
        assertEquals(8L << 30, env.get("memoryBytes").asLong());
        JsonNode p = json.get("models").get(0);
        assertEquals("prefork", p.get("model").asText());
        assertEquals(1, p.get("crashes").asInt());
        assertEquals(1, p.get("crashesSkipped").asInt());
        assertEquals(1, p.get("collateral").asInt());
        assertEquals(0.5, p.get("successRate").asDouble());
        assertEquals(2.0, p.get("lostPerCrash").get("mean").asDouble(), "the target and c3#1, which failed with its worker");
        assertEquals(800, p.get("restartLatencyMs").get("p50").asLong());
        assertEquals(800, p.get("restartLatencyMs").get("median").asLong());
        assertEquals(1, p.get("restartLatencyMs").get("n").asInt());
        assertTrue(p.get("restartLatencyMs").get("p99").isNull(), "no p99 of one sample");
        assertEquals(List.of("127.0.0.1:40001"), List.of(p.get("crashList").get(0).get("heldClients").get(0).asText()));
        assertEquals(12, p.get("throughput").get("requestsPerBucket").size());
        assertEquals(44_000, p.get("workerRssKiB").get("max").asLong());
        assertFalse(p.get("expectations").get(0).get("pass").asBoolean());
        assertEquals("c1#2", p.get("crashList").get(0).get("target").asText());
        assertTrue(p.get("crashList").get(1).get("skipped").asText().contains("no load connection"));
        JsonNode t = json.get("models").get(1);
        assertTrue(t.get("successRate").isNull(), "no connection: no rate, and null rather than NaN, which JSON lacks");
        assertTrue(t.get("restartLatencyMs").get("p50").isNull());
        assertEquals("INCONCLUSIVE", t.get("verdict").asText(), "threaded had no crash: it tested nothing");
        assertEquals("INCONCLUSIVE", t.get("expectations").get(0).get("verdict").asText());

        List<String> csv = Files.readAllLines(dir.resolve("results.csv"), StandardCharsets.UTF_8);
        assertEquals("model,client,connection,workerPid,startMs,endMs,requests,fate", csv.get(0));
        assertEquals(5, csv.size(), "a header and one row per connection");
        for (String row : csv) {
            assertEquals(8, row.split(",", -1).length, row);
        }
        assertTrue(csv.contains("prefork,1,2,100,990,1006,2,crashed"), csv.toString());
        assertTrue(csv.contains("prefork,3,1,,995,1003,2,collateral"), "an unknown pid is an empty field: " + csv);

        for (String png : List.of("throughput.png", "losses.png", "restart-latency.png")) {
            BufferedImage img = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(img, png + " decodes");
            assertTrue(img.getWidth() > 400 && img.getHeight() > 200, png);
        }

        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("result: **FAIL**"), md);
        assertTrue(md.contains("- produced by: forkd 0.1.0-test, OpenJDK 64-Bit Server VM 17.0.9+9, Linux 6.1 amd64, 2 core(s), 8.0 GiB memory;"
                + " started 2026-01-02T03:04:05Z; seed 7"), md);
        assertTrue(md.contains("| --crash-every | 1s |") && md.contains("| --seed | 7 |"), "every option, as given or defaulted: " + md);
        assertTrue(md.contains("| min 800 ms / median 800 ms / max 800 ms (n=1) |"), "the restart latency states its n: " + md);
        assertTrue(md.contains("| threaded | " + Expectations.WORKER_SCOPED + " | INCONCLUSIVE | no crash happened"), md);
        assertTrue(md.contains("![Throughput over time, with the crashes](throughput.png)"), md);
        assertTrue(md.contains("| prefork | collateral losses are 0: a crash costs only its target | FAIL | 1 collateral: c3#1 |"), md);
        assertTrue(md.contains("`forkd experiment crash --models prefork,threaded --workers 2 --clients 3 --duration 3s --crash-every 1s"
                + " --crash-kind kill9 --seed 7 --requests-per-connection 5 --out report`"), md);

        String html = Files.readString(dir.resolve("index.html"));
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1)))), "an embedded PNG decodes");
            images++;
        }
        assertEquals(3, images);
        assertFalse(html.contains("src=\"http"), "self-contained: nothing to fetch");
        assertTrue(html.contains("<td class=\"FAIL\">FAIL</td>"), html);
        assertTrue(html.contains("<td class=\"INCONCLUSIVE\">INCONCLUSIVE</td>"), html);
        assertTrue(html.contains("Produced by forkd 0.1.0-test, OpenJDK 64-Bit Server VM 17.0.9+9"), html);
    }

    /** fork-per-connection's few requests/s next to prefork's thousands: a scale of its own, not a flat line at zero. */
    @Test
    void aModelFarBelowTheOthersGetsTheRightHandAxis() {
        ExperimentReport base = report();
        long[] busy = new long[12];
        long[] slow = new long[12];
        java.util.Arrays.fill(busy, 2000);
        java.util.Arrays.fill(slow, 6);
        ModelResult prefork = ModelResult.of(new ModelRunData(Model.PREFORK, 2, 3000, List.of(), List.of(), 250, busy, List.of(),
                List.of(), 0));
        ModelResult fork = ModelResult.of(new ModelRunData(Model.FORK_PER_CONNECTION, 2, 3000, List.of(), List.of(), 250, slow,
                List.of(), List.of(), 0));
        ExperimentReport r = new ExperimentReport(base.config(), base.schedule(), List.of(prefork, fork), base.startedAt(), ENV);
        org.knowm.xchart.XYChart chart = ReportCharts.throughput(r);
        assertEquals(0, chart.getSeriesMap().get("prefork").getYAxisGroup());
        assertEquals(1, chart.getSeriesMap().get("fork-per-connection (right axis)").getYAxisGroup());
        assertEquals("requests/s (right axis)", chart.getYAxisGroupTitle(1));
    }

    @Test
    void htmlEscapesWhatItShows() {
        assertEquals("a &lt;b&gt; &amp; &quot;c&quot;", ReportHtml.esc("a <b> & \"c\""));
    }
}
