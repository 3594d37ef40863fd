package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of the benchmark suite: {@code scripts/bench/run.sh --quick} runs every scenario
 * once, briefly, exits 0 and prints its table, whose ratios it labels not comparable rather than
 * judging them. Without --write-docs it leaves the tracked docs/benchmarks.md alone and writes a
 * new file under target/bench/. Asserts no figure: benchmarks are not tests. Skipped when a peer
 * (HAProxy, wrk, tcpserver, gunicorn) is missing and cannot be installed: the script exits 75.
 */
class BenchSuiteIT {
    private static final int PEER_MISSING = 75;

    private static Path script() {
        Path script = Path.of(System.getProperty("forkd.bench.script", "../scripts/bench/run.sh")).toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(script), "no " + script);
        Assumptions.assumeTrue(onPath("python3"), "the suite needs python3");
        return script;
    }

    @Test
    void quickRunLeavesTheDocsAloneAndLabelsItsRatiosNotComparable() throws Exception {
        Path script = script();
        Path root = script.getParent().getParent().getParent();
        Path docs = root.resolve("docs/benchmarks.md");
        Path results = root.resolve("target/bench");
        byte[] docsBefore = Files.readAllBytes(docs);
        List<Path> before = list(results);
        List<Path> written = new ArrayList<>();
        try {
            Run run = run("bench-suite-quick", script, "--quick");
            Assumptions.assumeFalse(run.exit == PEER_MISSING, "a peer could not be installed: " + lastLine(run.output));
            assertEquals(0, run.exit, "run.sh --quick failed; its output:\n" + run.output);
            assertTrue(run.output.contains("forkd: median (min–max)"), "the table's heading:\n" + run.output);
            for (String row : new String[] {"req/s (wrk", "p99 latency", "round trips/s", "new connections/s", "echoed through one connection",
                    "fork-per-connection vs tcpserver", "worker spawn-to-ready p50", "worker RSS", "supervisor RSS with", "kill -9 -> replacement",
                    "sha256, 4096 B messages: msg/s of one worker", "json, 2048 B messages: msg/s of one worker, --worker-jit fast"}) {
                assertTrue(run.output.contains(row), "a row '" + row + "' in the table:\n" + run.output);
            }
            // TLS: measured once forkd has --tls-cert, until then skipped with the reason in the table
            assertTrue(run.output.contains("new TLS handshakes/s") || run.output.contains("TLS termination — skipped: forkd has no TLS yet"),
                    "scenario 8 measured or said skipped:\n" + run.output);
            assertFalse(run.output.contains("Traceback"), "no Python helper failed:\n" + run.output);
            // a 1-second run judges nothing: every target's verdict says so, none says NO (nor yes)
            assertTrue(run.output.contains("not comparable (--quick)"), run.output);
            assertFalse(run.output.matches("(?s).*  (NO|yes) *\n.*"), "no verdict from a smoke test:\n" + run.output);

            assertArrayEquals(docsBefore, Files.readAllBytes(docs), "docs/benchmarks.md is tracked: left alone without --write-docs");
            written.addAll(list(results));
            written.removeAll(before);
            assertEquals(1, written.size(), "one new file under " + results + ": " + written);
            String md = Files.readString(written.get(0));
            assertTrue(md.contains("<!-- bench:begin") && md.contains("not comparable"), md);
            assertTrue(run.output.contains("wrote " + written.get(0)), run.output);
        } finally {
            for (Path p : written) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void outWritesTheGeneratedPartThere(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("benchmarks.md");
        Run run = run("bench-suite-out", script(), "--quick", "--only", "4", "--out", out.toString());
        Assumptions.assumeFalse(run.exit == PEER_MISSING, "a peer could not be installed: " + lastLine(run.output));
        assertEquals(0, run.exit, "run.sh failed; its output:\n" + run.output);
        assertTrue(Files.readString(out).contains("<!-- bench:begin"), "--out FILE gets the generated part");
    }

    @Test
    void quickResultsAreNotWrittenIntoTheDocs() throws Exception {
        Run run = run("bench-suite-quick-docs", script(), "--quick", "--write-docs");
        assertEquals(2, run.exit, run.output);
        assertTrue(run.output.contains("not written into docs/benchmarks.md"), run.output);
    }

    private record Run(int exit, String output) {
    }

    private static Run run(String name, Path script, String... args) throws IOException, InterruptedException {
        Path log = Path.of("target", "it-logs", name + ".log");
        Files.createDirectories(log.getParent());
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FORKD_JAR", System.getProperty("forkd.jar"));
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            throw new AssertionError("run.sh " + String.join(" ", args) + " did not finish in 5 minutes; see " + log.toAbsolutePath());
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }
}
