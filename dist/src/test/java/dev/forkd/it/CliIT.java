package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The command line as a user meets it: the real jar, its output and exit codes. */
class CliIT {

    private static ForkdProcess run(String name, String... args) throws Exception {
        return ForkdProcess.run(name, List.of(args));
    }

    @Test
    void helpAndVersionReadWell() throws Exception {
        try (ForkdProcess p = run("help", "--help")) {
            assertEquals(0, p.awaitExit(Duration.ofSeconds(30)));
            assertTrue(p.output().contains("serve"), p.output());
        }
        try (ForkdProcess p = run("serve-help", "serve", "--help")) {
            assertEquals(0, p.awaitExit(Duration.ofSeconds(30)));
            String out = p.output();
            for (String opt : List.of("--host", "--port", "--backlog", "--model", "--workers", "--connections-per-worker",
                    "--handler", "--buffer-size", "--queue", "--queue-timeout", "--graceful-timeout", "--max-restarts",
                    "--restart-window", "--runtime-dir", "--log-level")) {
                assertTrue(out.contains(opt), "help names " + opt);
            }
        }
        try (ForkdProcess p = run("version", "--version")) {
            assertEquals(0, p.awaitExit(Duration.ofSeconds(30)));
            assertTrue(p.output().matches("(?s)forkd \\d+\\.\\d+.*Java .*"), p.output());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "--workers, -1, --workers must be at least 1",
        "--model, forking, unknown model 'forking'",
        "--handler, shout, unknown handler 'shout'",
        "--queue-timeout, soon, 'soon' is not a duration",
        "--buffer-size, 1TB, is not a size",
        "--port, 70000, --port must be between 0 and 65535",
    })
    void badValuesExit2WithOneClearMessage(String option, String value, String message) throws Exception {
        try (ForkdProcess p = run("bad-" + option.substring(2), "serve", option, value)) {
            assertEquals(2, p.awaitExit(Duration.ofSeconds(30)));
            String out = p.output();
            assertTrue(out.contains(message), out);
            assertTrue(out.contains("Try 'forkd serve --help'"), out);
            assertFalse(out.contains("Exception"), out);
            assertFalse(out.contains("listening on"), out);
        }
    }
}
