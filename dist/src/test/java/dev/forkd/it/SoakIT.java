package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The soak test's one-minute version (issue 8): {@code scripts/soak.sh --seconds 60}, steady load
 * with a worker killed every 2 s, must pass. Takes about 70 s.
 */
class SoakIT {

    @Test
    void aMinuteOfLoadWithAWorkerKilledEveryTwoSecondsLosesNothingElse() throws Exception {
        Path jar = ForkdProcess.jar();
        Path root = jar.getParent().getParent().getParent();
        Path logs = Files.createDirectories(Path.of("target", "it-logs").toAbsolutePath());
        Path out = logs.resolve("soak.log");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("scripts").resolve("soak.sh").toString(), "--seconds", "60",
                "--keep-log", logs.resolve("soak-forkd.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("FORKD_JAR", jar.toString());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().remove("XDG_RUNTIME_DIR");
        pb.environment().remove("RUNTIME_DIRECTORY");
        Process soak = pb.start();
        try {
            if (!soak.waitFor(5, TimeUnit.MINUTES)) {
                fail("soak.sh did not finish within 5 minutes; output so far:\n" + Files.readString(out));
            }
            assertEquals(0, soak.exitValue(), "soak.sh failed:\n" + Files.readString(out));
        } finally {
            List<ProcessHandle> kids = soak.toHandle().descendants().toList();
            soak.destroyForcibly();
            kids.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
