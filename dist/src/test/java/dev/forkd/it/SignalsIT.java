package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * forkd started with HUP and INT ignored, as under {@code nohup} or {@code cmd &} in a script. The
 * JVM installs no handler for a stop signal it inherits as ignored, so java alone cannot see them:
 * forkd says so at start; {@code scripts/forkd} gives them back their default dispositions.
 */
class SignalsIT {
    /** The shell runs its arguments with HUP and INT ignored: what nohup and a script's `&` leave behind. */
    private static List<String> withHupAndIntIgnored(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "trap '' HUP INT; exec \"$@\"", "ignoring"));
        cmd.addAll(command);
        return cmd;
    }

    @Test
    void theJarSaysWhichSignalsItCannotHandleAndWhatToUseInstead() throws Exception {
        List<String> java = ForkdProcess.javaJar(List.of("serve", "--port", "0", "--workers", "1"));
        try (ForkdProcess forkd = ForkdProcess.startAsIs("signals-ignored-jar", withHupAndIntIgnored(java), Map.of())) {
            forkd.awaitLine("WARN .*forkd cannot handle SIGINT, SIGHUP: ignored when it started \\(nohup, or `&` in a script\\)",
                    ForkdProcess.START_TIMEOUT);
            forkd.awaitLine("for INT \\(graceful stop\\) TERM", Duration.ofSeconds(5));
            forkd.awaitLine("for HUP \\(rolling restart\\) `forkd reload`", Duration.ofSeconds(5));
            forkd.port();
            assertEquals(1, forkd.countLines("cannot handle"), "one line, not one per signal");
            // TERM, which it can handle, still stops it, and the line names it
            forkd.signal("TERM");
            forkd.awaitLine("stopped \\(exit code 0\\)", Duration.ofSeconds(30));
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
        }
    }

    @Test
    void theLauncherGivesHupAndIntBackToForkd() throws Exception {
        Path launcher = ForkdProcess.jar().getParent().getParent().getParent().resolve("scripts").resolve("forkd");
        List<String> serve = List.of(launcher.toString(), "serve", "--port", "0", "--workers", "2");
        try (ForkdProcess forkd = ForkdProcess.startAsIs("signals-ignored-launcher", withHupAndIntIgnored(serve),
                Map.of("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString()))) {
            int port = forkd.port();
            assertEquals(0, forkd.countLines("cannot handle"), forkd.output());
            forkd.signal("HUP");
            forkd.awaitLine("rolling restart of 2 worker\\(s\\)", Duration.ofSeconds(30));
            forkd.awaitLine("rolling restart complete", Duration.ofSeconds(120));
            try (Client c = new Client(port)) {
                assertEquals("AFTER THE RELOAD\n", c.roundTrip("after the reload\n"));
                forkd.signal("INT");
                forkd.awaitLine("stopping gracefully: no new connections; waiting up to 30s for 1 live .*\\(SIGINT again to stop at once\\)",
                        Duration.ofSeconds(30));
            }
            forkd.awaitLine("stopped \\(exit code 0\\)", Duration.ofSeconds(30));
            assertEquals(0, forkd.awaitExit(Duration.ofSeconds(30)));
        }
    }
}
