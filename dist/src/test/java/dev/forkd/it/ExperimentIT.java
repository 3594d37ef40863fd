package dev.forkd.it;

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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `forkd experiment crash` end to end (issue 6): the real command, which starts a real supervisor
 * per model and crashes its workers, about 5 s of load per model. Its report must be complete and
 * readable, each model must keep its promise under kill -9, and the seed must fix the schedule.
 */
class ExperimentIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MODELS = List.of("iterative", "prefork", "fork-per-connection", "threaded");

    private static List<String> args(Path out, String models) {
        return List.of("experiment", "crash", "--models", models, "--workers", "2", "--clients", "6", "--duration", "5s",
                "--crash-every", "1s", "--seed", "7", "--out", out.toString());
    }

    @Test
    void crashExperimentReportsEveryModelAndItsPromisesHold(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("report");
        try (ForkdProcess run = ForkdProcess.run("experiment-crash", args(out, String.join(",", MODELS)))) {
            int code = run.awaitExit(Duration.ofMinutes(4));
            String output = run.output();
            assertEquals(0, code, "every expectation held; output:\n" + output);
            assertFalse(output.contains("Exception"), output);
            for (String m : MODELS) {
                assertTrue(output.contains("PASS  " + m + ": "), "a verdict per model: " + output);
                assertTrue(output.contains(": running for 5s"), "without a terminal, a plain progress line per model: " + output);
            }
        }

        JsonNode json = JSON.readTree(out.resolve("results.json").toFile());
        assertEquals(7, json.get("seed").asLong());
        assertTrue(json.get("passed").asBoolean());
        assertEquals(List.of(1000L, 2000L, 3000L, 4000L), atMs(json.get("schedule")));
        assertEquals(MODELS.size(), json.get("models").size());
        Map<String, Integer> connections = new HashMap<>();
        for (JsonNode m : json.get("models")) {
            String model = m.get("model").asText();
            connections.put(model, m.get("connections").get("total").asInt());
            assertTrue(m.get("crashes").asInt() >= 1, model + " had crashes injected: " + m.get("crashList"));
            assertTrue(m.get("requestsCompleted").asLong() > 0, model + " served requests");
            assertEquals(0, m.get("supervisorExitCode").asInt(), model + "'s supervisor stopped cleanly on TERM");
            assertTrue(m.get("passed").asBoolean(), model + ": " + m.get("expectations"));
            assertInvariants(model, m);
        }

        List<String> csv = Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8);
        assertEquals("model,client,connection,workerPid,startMs,endMs,requests,fate", csv.get(0));
        Map<String, Integer> rows = new HashMap<>();
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.split(",", -1);
            assertEquals(8, f.length, row);
            assertTrue(Set.of("completed", "crashed", "collateral").contains(f[7]), row);
            rows.merge(f[0], 1, Integer::sum);
        }
        assertEquals(connections, rows, "one CSV row per connection of each model");

        for (String png : List.of("throughput.png", "losses.png", "restart-latency.png")) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png + " decodes");
        }
        String html = Files.readString(out.resolve("index.html"));
        Matcher embedded = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int images = 0;
        while (embedded.find()) {
            assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(embedded.group(1)))), "an embedded PNG decodes");
            images++;
        }
        assertEquals(3, images, "the plots are in the page itself");
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("](throughput.png)") && md.contains("result: **PASS**"), md);
        for (String m : MODELS) {
            String log = Files.readString(out.resolve("logs").resolve(m + ".log"));
            assertTrue(log.contains("stopped (exit code 0)"), m + "'s supervisor stopped, its workers with it:\n" + log);
        }

        // the same seed, again (one model is enough to see the schedule): the same crash times and draws
        Path again = tmp.resolve("again");
        try (ForkdProcess run = ForkdProcess.run("experiment-crash-again", args(again, "prefork"))) {
            assertEquals(0, run.awaitExit(Duration.ofMinutes(2)), run.output());
        }
        assertEquals(json.get("schedule"), JSON.readTree(again.resolve("results.json").toFile()).get("schedule"));
    }

    /** A run that could not test anything is refused before any supervisor starts (issue 12: it used to PASS). */
    @Test
    void aScheduleWithNoCrashIsRefusedBeforeAnythingStarts(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("report");
        try (ForkdProcess run = ForkdProcess.run("experiment-no-crash", List.of("experiment", "crash", "--duration", "1s",
                "--crash-every", "2s", "--out", out.toString()))) {
            assertEquals(2, run.awaitExit(Duration.ofSeconds(60)), run.output());
            assertTrue(run.output().contains("--duration 1s with --crash-every 2s schedules no crash"), run.output());
            assertFalse(run.output().contains("PASS"), run.output());
        }
        assertFalse(Files.exists(out), "nothing was started or written");
    }

    /** Each model's promise, checked from the raw records rather than from the command's own verdict. */
    private static void assertInvariants(String model, JsonNode m) {
        Set<String> targets = new HashSet<>();
        Set<String> onCrashedWorkers = new HashSet<>();
        Set<String> answeredBefore = new HashSet<>();
        for (JsonNode c : m.get("crashList")) {
            if (c.has("target")) {
                String target = c.get("target").asText();
                targets.add(target);
                List<String> on = new ArrayList<>();
                c.get("onWorker").forEach(k -> on.add(k.asText()));
                // the supervisor's list at the signal names the target: the list is real, not an empty one that passes everything
                assertTrue(on.contains(target), model + ": crash " + c.get("index") + " held " + on + " yet targeted " + target);
                assertTrue(c.get("heldClients").size() >= on.size(), model + ": " + c);
                onCrashedWorkers.addAll(on);
                c.get("answeredBeforeCrash").forEach(k -> answeredBefore.add(k.asText()));
            }
        }
        Set<String> lost = new HashSet<>();
        List<String> collateral = new ArrayList<>();
        List<String> lostToNoCrash = new ArrayList<>();
        for (JsonNode f : m.get("failedConnections")) {
            String key = f.get("connection").asText();
            lost.add(key);
            assertEquals(targets.contains(key) ? "crashed" : "collateral", f.get("fate").asText(), model + ": " + f);
            if (!targets.contains(key)) {
                collateral.add(f.toString());
            }
            if (f.get("lostToCrash").isNull()) {
                lostToNoCrash.add(f.toString());
            }
        }
        assertEquals(collateral.size(), m.get("collateral").asInt(), model);
        if (model.equals("threaded")) {
            assertEquals(List.of(), lostToNoCrash, "threaded: every lost connection was on a crashed worker");
            Set<String> lostElsewhere = new HashSet<>(lost);
            lostElsewhere.removeAll(onCrashedWorkers);
            assertEquals(Set.of(), lostElsewhere, "threaded: every lost connection was held by a crashed worker at its crash");
            Set<String> survived = new HashSet<>(onCrashedWorkers);
            survived.removeAll(lost);
            survived.removeAll(answeredBefore);
            assertEquals(Set.of(), survived, "threaded: every connection on a crashed worker was lost (or answered before the crash)");
        } else {
            assertEquals(List.of(), collateral, model + ": a crash costs only its target");
        }
    }

    private static List<Long> atMs(JsonNode schedule) {
        List<Long> at = new ArrayList<>();
        schedule.forEach(p -> at.add(p.get("atMs").asLong()));
        return at;
    }
}
