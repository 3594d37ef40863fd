package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/forkd} on a tree whose jar is missing builds it, and says how far along it is: on a
 * fresh clone with an empty ~/.m2 the build took 23–52 s with nothing but "building ..." on the
 * screen, and Maven's stray escape codes came after it. The launcher runs here in a copy of its
 * tree (no jar, so it builds), with stderr to a pipe, and a {@code mvn} on PATH that plays back
 * Maven 3.8's batch-mode output (escape codes included) and then puts the real forkd.jar in place
 * or fails.
 */
class LauncherBuildIT {
    /** What Maven 3.8.7 writes with -B on a first build, shortened; its jansi writes the escape codes even so. */
    private static final String CANNED = String.join("\n",
            "\u001b[0m\u001b[0m[INFO] Scanning for projects...",
            "[INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/apache/maven/plugins/maven-compiler-plugin/3.13.0/x.pom",
            "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/x.pom (10 kB at 50 kB/s)",
            "[INFO] Building forkd 0.1.0-SNAPSHOT                                      [1/4]",
            "[INFO] Building forkd shared 0.1.0-SNAPSHOT                               [2/4]",
            "[INFO] --- maven-compiler-plugin:3.13.0:compile (default-compile) @ forkd-shared ---",
            "[WARNING] a warning nobody asked for",
            "[INFO] Building forkd worker 0.1.0-SNAPSHOT                               [3/4]",
            "[INFO] Building forkd supervisor 0.1.0-SNAPSHOT                           [4/4]",
            "[INFO] --- maven-shade-plugin:3.6.0:shade (default) @ forkd-supervisor ---",
            "\u001b[1m[INFO] BUILD SUCCESS\u001b[m",
            "");

    @Test
    void aBuildShowsItsProgressWithoutEscapeCodesAndThenForkdRuns(@TempDir Path tmp) throws Exception {
        Path root = tree(tmp);
        Path args = tmp.resolve("mvn-args");
        fakeMvn(tmp, "printf '%s\\n' \"$*\" \"MAVEN_OPTS=$MAVEN_OPTS\" >" + q(args) + "\n"
                + "printf '%s' " + q(CANNED) + "\n"
                + "mkdir -p dist/target && cp " + q(ForkdProcess.jar()) + " dist/target/forkd.jar\n");
        Result r = launch(tmp, root, "--version");

        assertEquals(0, r.code, r.stderr);
        assertTrue(r.stdout.startsWith("forkd "), "then forkd ran: " + r.stdout);
        assertFalse(r.stderr.contains("\u001b"), "no escape code on a stderr that is no terminal: " + r.stderr);
        List<String> lines = r.stderr.lines().toList();
        assertTrue(lines.get(0).startsWith("forkd: building " + root.resolve("dist/target/forkd.jar") + " with Maven (a first build"),
                lines.toString());
        assertEquals(List.of(
                "forkd:   downloading Maven plugins and dependencies into ~/.m2 (once: later builds reuse them)",
                "forkd: building (1/4) forkd",
                "forkd: building (2/4) forkd shared",
                "forkd: building (2/4) forkd shared: compile",
                "forkd: building (3/4) forkd worker",
                "forkd: building (4/4) forkd supervisor",
                "forkd: building (4/4) forkd supervisor: shade"), lines.subList(1, lines.size() - 1));
        assertTrue(lines.get(lines.size() - 1).matches("forkd: built in \\d+ s"), lines.toString());
        // batch mode and no colours asked of Maven itself too
        String mvn = Files.readString(args);
        assertTrue(mvn.startsWith("-B -Dstyle.color=never -DskipTests package\n"), mvn);
        assertTrue(mvn.contains("MAVEN_OPTS= -Dstyle.color=never") || mvn.contains("-Dstyle.color=never\n"), mvn);
    }

    @Test
    void aFailedBuildShowsMavensErrorsAndWhereItsWholeOutputIs(@TempDir Path tmp) throws Exception {
        Path root = tree(tmp);
        fakeMvn(tmp, "printf '%s\\n' '[INFO] Building forkd shared 0.1.0-SNAPSHOT [2/4]' '[WARNING] noise'"
                + " $'\\e[1;31m[ERROR]\\e[m Failed to execute goal compile: Foo.java:[3,1] class, interface, enum, or record expected'\n"
                + "exit 1\n");
        Result r = launch(tmp, root, "--version");

        assertEquals(1, r.code, r.stderr);
        assertFalse(r.stderr.contains("\u001b"), r.stderr);
        assertTrue(r.stderr.contains("forkd: [ERROR] Failed to execute goal compile: Foo.java:[3,1] class, interface, enum, or record expected\n"),
                r.stderr);
        assertFalse(r.stderr.contains("noise"), r.stderr);
        Matcher m = Pattern.compile("forkd: the build failed \\(mvn exit 1\\); Maven's whole output is in (\\S+)\n").matcher(r.stderr);
        assertTrue(m.find(), r.stderr);
        Path log = Path.of(m.group(1));
        try {
            assertTrue(Files.readString(log).contains("[WARNING] noise"), "the log keeps everything");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A copy of the launcher in a tree of its own: the sources it watches, no jar. */
    private static Path tree(Path tmp) throws IOException {
        Path root = Files.createDirectories(tmp.resolve("forkd"));
        Path launcher = ForkdProcess.jar().getParent().getParent().getParent().resolve("scripts").resolve("forkd");
        Files.createDirectories(root.resolve("scripts"));
        Files.copy(launcher, root.resolve("scripts/forkd"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        for (String module : List.of("shared", "worker-api", "worker", "supervisor", "tools", "dist")) {
            Files.createDirectories(root.resolve(module));
        }
        return root;
    }

    private static void fakeMvn(Path tmp, String body) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/usr/bin/env bash\n" + body);
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private record Result(int code, String stdout, String stderr) {
    }

    /** Runs the copied launcher with the fake mvn first on PATH; stdout and stderr are pipes. */
    private static Result launch(Path tmp, Path root, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", root.resolve("scripts/forkd").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().put("PATH", tmp.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("TMPDIR", tmp.toString());
        pb.environment().remove("MAVEN_OPTS");
        Process p = pb.start();
        java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher ended");
        return new Result(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
    }

    /** {@code s} as one single-quoted shell word. */
    private static String q(Object s) {
        return "'" + s.toString().replace("'", "'\\''") + "'";
    }
}
