package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of the benchmark suite: {@code scripts/bench/run.sh --quick} runs every scenario
 * once, briefly, exits 0 and prints its table. It writes nothing into docs/ (--out goes to a
 * temporary file) and asserts no figure: benchmarks are not tests. Skipped when a peer
 * (HAProxy, wrk, tcpserver, gunicorn) is missing and cannot be installed: the script exits 75.
 */
class BenchSuiteIT {
    private static final int PEER_MISSING = 75;

    @Test
    void quickRunPrintsTheTable(@TempDir Path tmp) throws Exception {
        Path script = Path.of(System.getProperty("forkd.bench.script", "../scripts/bench/run.sh")).toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(script), "no " + script);
        Assumptions.assumeTrue(onPath("python3"), "the suite needs python3");
        Path out = tmp.resolve("benchmarks.md");
        Path log = Path.of("target", "it-logs", "bench-suite-quick.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--quick", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FORKD_JAR", System.getProperty("forkd.jar"));
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            throw new AssertionError("run.sh --quick did not finish in 5 minutes; see " + log.toAbsolutePath());
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Assumptions.assumeFalse(p.exitValue() == PEER_MISSING, "a peer could not be installed: " + lastLine(output));
        assertEquals(0, p.exitValue(), "run.sh --quick failed; its output:\n" + output);
        assertTrue(output.contains("forkd: median (min–max)"), "the table's heading:\n" + output);
        for (String row : new String[] {"req/s (wrk", "p99 latency", "round trips/s", "new connections/s", "echoed through one connection",
                "fork-per-connection vs tcpserver", "worker spawn-to-ready p50", "worker RSS", "supervisor RSS with", "kill -9 -> replacement"}) {
            assertTrue(output.contains(row), "a row '" + row + "' in the table:\n" + output);
        }
        assertTrue(Files.readString(out).contains("<!-- bench:begin"), "--out FILE gets the generated part");
        assertFalse(output.contains("Traceback"), "no Python helper failed:\n" + output);
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
