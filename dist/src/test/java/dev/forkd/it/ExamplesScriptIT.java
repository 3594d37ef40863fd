package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/ci/examples.sh refuses, before it installs or builds anything, to run the examples
 * against something other than the checkout: an example pinning another forkd version, or no
 * forkd.jar to build the image from. (Its whole run, examples included, is CI's: .ci/run.)
 */
class ExamplesScriptIT {
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("scripts/ci/examples.sh");

    /** A checkout holding the script and the poms it reads, nothing else. */
    private static Path checkout(Path dir, String forkdVersion, String pinned) throws IOException {
        return checkout(dir, forkdVersion, pinned, pinned);
    }

    private static Path checkout(Path dir, String forkdVersion, String pinned, String handlerPinned) throws IOException {
        Files.createDirectories(dir.resolve("scripts/ci"));
        Files.copy(SCRIPT, dir.resolve("scripts/ci/examples.sh"));
        Files.writeString(dir.resolve("pom.xml"), "<project>\n  <groupId>dev.forkd</groupId>\n  <artifactId>forkd-parent</artifactId>\n"
                + "  <version>" + forkdVersion + "</version>\n</project>\n");
        Files.createDirectories(dir.resolve("examples/testcontainers"));
        Files.writeString(dir.resolve("examples/testcontainers/pom.xml"), "<project>\n  <properties>\n    <forkd.version>" + pinned
                + "</forkd.version>\n  </properties>\n</project>\n");
        Files.createDirectories(dir.resolve("examples/handler"));
        Files.writeString(dir.resolve("examples/handler/pom.xml"), "<project>\n  <properties>\n    <forkd.version>" + handlerPinned
                + "</forkd.version>\n  </properties>\n</project>\n");
        return dir;
    }

    private static String run(Path checkout, int expectedExit) throws Exception {
        Process p = new ProcessBuilder("bash", checkout.resolve("scripts/ci/examples.sh").toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script ends");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(expectedExit, p.exitValue(), out);
        return out;
    }

    @Test
    void anExamplePinningAnotherVersionOfForkdIsRefused(@TempDir Path dir) throws Exception {
        String out = run(checkout(dir, "9.9.9", "0.1.0-SNAPSHOT"), 1);
        assertTrue(out.contains("examples/testcontainers/pom.xml pins forkd 0.1.0-SNAPSHOT, the checkout is 9.9.9: update <forkd.version>"), out);
        assertFalse(out.contains("installing"), "nothing was installed: " + out);
    }

    @Test
    void theHandlerExamplePinningAnotherVersionIsRefusedToo(@TempDir Path dir) throws Exception {
        String out = run(checkout(dir, "1.2.3", "1.2.3", "1.2.2"), 1);
        assertTrue(out.contains("examples/handler/pom.xml pins forkd 1.2.2, the checkout is 1.2.3: update <forkd.version>"), out);
        assertFalse(out.contains("installing"), "nothing was installed: " + out);
    }

    @Test
    void withoutForkdJarThereIsNoImageToTestAgainst(@TempDir Path dir) throws Exception {
        String out = run(checkout(dir, "1.2.3", "1.2.3"), 1);
        assertTrue(out.contains("no dist/target/forkd.jar: run mvn verify (or package) first"), out);
        assertFalse(out.contains("installing"), "nothing was installed: " + out);
    }

    @Test
    void theRealExamplesPinThisCheckoutsVersion() throws Exception {
        Path root = SCRIPT.getParent().getParent().getParent();
        String parent = Files.readString(root.resolve("pom.xml"));
        String version = parent.substring(parent.indexOf("<version>", parent.indexOf("<artifactId>forkd-parent</artifactId>")) + "<version>".length());
        version = version.substring(0, version.indexOf("</version>"));
        for (String name : new String[] {"testcontainers", "handler"}) {
            String example = Files.readString(root.resolve("examples/" + name + "/pom.xml"));
            assertTrue(example.contains("<forkd.version>" + version + "</forkd.version>"), "examples/" + name + "/pom.xml pins forkd " + version);
        }
    }
}
