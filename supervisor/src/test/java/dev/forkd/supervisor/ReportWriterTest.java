package dev.forkd.supervisor;

import static dev.forkd.supervisor.FateClassifierTest.crash;
import static dev.forkd.supervisor.FateClassifierTest.done;
import static dev.forkd.supervisor.FateClassifierTest.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
                Instant.parse("2026-01-02T03:04:05Z"), "0.1.0-test");
    }

    @Test
    void everyFileIsWrittenAndParses(@TempDir Path dir) throws Exception {
        ExperimentReport report = report();
        ReportWriter.write(report, dir);

        JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(7, json.get("seed").asLong());
        assertEquals(2, json.get("schedule").size(), "crashes at 1 s and 2 s of 3 s");
        assertFalse(json.get("passed").asBoolean(), "prefork lost c3#1, which was no target");
        JsonNode p = json.get("models").get(0);
        assertEquals("prefork", p.get("model").asText());
        assertEquals(1, p.get("crashes").asInt());
        assertEquals(1, p.get("crashesSkipped").asInt());
        assertEquals(1, p.get("collateral").asInt());
        assertEquals(0.5, p.get("successRate").asDouble());
        assertEquals(2.0, p.get("lostPerCrash").get("mean").asDouble(), "the target and c3#1, which failed with its worker");
        assertEquals(800, p.get("restartLatencyMs").get("p50").asLong());
        assertEquals(12, p.get("throughput").get("requestsPerBucket").size());
        assertEquals(44_000, p.get("workerRssKiB").get("max").asLong());
        assertFalse(p.get("expectations").get(0).get("pass").asBoolean());
        assertEquals("c1#2", p.get("crashList").get(0).get("target").asText());
        assertTrue(p.get("crashList").get(1).get("skipped").asText().contains("no load connection"));
        JsonNode t = json.get("models").get(1);
        assertTrue(t.get("successRate").isNull(), "no connection: no rate, and null rather than NaN, which JSON lacks");
        assertTrue(t.get("restartLatencyMs").get("p50").isNull());

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
    }

    @Test
    void htmlEscapesWhatItShows() {
        assertEquals("a &lt;b&gt; &amp; &quot;c&quot;", ReportHtml.esc("a <b> & \"c\""));
    }
}
