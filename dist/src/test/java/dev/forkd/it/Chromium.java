package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * A headless Chromium (Debian's {@code chromium}) for tests that need a real browser, driven over
 * the Chrome DevTools Protocol ({@link DevTools}). Started with a fresh profile and a DevTools port
 * of its choosing, read from the DevToolsActivePort file it writes; its stderr goes to
 * target/it-logs. {@link #close} kills it and every process it started, whatever state it is in.
 */
final class Chromium implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The executable: $FORKD_CHROMIUM, else the first of these on the PATH. */
    private static final List<String> NAMES = List.of("chromium", "chromium-browser");

    final Process process;
    final URI devtools;
    private final Path home;

    private Chromium(Process process, URI devtools, Path home) {
        this.process = process;
        this.devtools = devtools;
        this.home = home;
    }

    /**
     * The executable, or: in CI (CI=true) a failure, since a browser test that skips there proves
     * nothing; elsewhere an aborted (skipped) test that says how to get one.
     */
    static Path executableOrSkip() {
        return executableOrSkip(System.getenv());
    }

    /** As {@link #executableOrSkip()}, in the environment {@code env} (CI, FORKD_CHROMIUM, PATH). */
    static Path executableOrSkip(Map<String, String> env) {
        Path found = executable(env);
        if (found == null) {
            String why = "chromium is not installed (apt-get install chromium fonts-dejavu-core; scripts/ci/tools-up.sh does)";
            if ("true".equalsIgnoreCase(env.get("CI"))) {
                fail(why + ": in CI the browser test must run, not skip");
            }
            Assumptions.abort(why);
        }
        return found;
    }

    private static Path executable(Map<String, String> env) {
        String given = env.get("FORKD_CHROMIUM");
        if (given != null && !given.isBlank()) {
            return Files.isExecutable(Path.of(given)) ? Path.of(given) : null;
        }
        for (String dir : env.getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            for (String name : NAMES) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Starts it on about:blank with {@code profile} (an empty directory) as its user data directory. */
    static Chromium start(Path executable, Path profile, String logName) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(executable.toString(),
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-extensions", "--disable-sync", "--disable-default-apps",
                "--no-first-run", "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
                "--window-size=1280,900", "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank"));
        Path log = Path.of("target", "it-logs", logName + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // its crash reporter's database and caches go under HOME: keep them in the test's directory
        Path home = Files.createDirectories(profile.resolveSibling(profile.getFileName() + "-home"));
        pb.environment().put("HOME", home.toString());
        pb.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        pb.environment().put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        // no desktop session to talk to: without this it only logs failed D-Bus calls
        pb.environment().remove("DBUS_SESSION_BUS_ADDRESS");
        Process p = pb.start();
        Path activePort = profile.resolve("DevToolsActivePort");
        try {
            // two lines once it listens: the port, then the browser target's path
            Await.until(START_TIMEOUT, "chromium's DevToolsActivePort (log: " + log + ")", () -> {
                if (!p.isAlive()) {
                    fail("chromium exited (" + p.exitValue() + ") before listening; its log: " + read(log));
                }
                return lines(activePort).size() >= 2;
            });
            List<String> l = lines(activePort);
            return new Chromium(p, URI.create("ws://127.0.0.1:" + Integer.parseInt(l.get(0).trim()) + l.get(1).trim()), home);
        } catch (RuntimeException | Error | InterruptedException e) {
            kill(p, home);
            throw e;
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of(); // not written yet (or half written): look again
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * Every process of this browser still alive: its descendants (zygotes, renderers, GPU and
     * network services) and the crash reporter's handlers, which detach from it (they name the
     * crash database under this browser's HOME).
     */
    List<ProcessHandle> processes() {
        return processes(process, home);
    }

    private static List<ProcessHandle> processes(Process p, Path home) {
        List<ProcessHandle> all = new ArrayList<>();
        if (p.isAlive()) {
            all.add(p.toHandle());
        }
        p.toHandle().descendants().filter(ProcessHandle::isAlive).forEach(all::add);
        String mark = home.toString();
        ProcessHandle.allProcesses().filter(h -> !all.contains(h) && h.isAlive()
                && h.info().arguments().map(args -> String.join(" ", args).contains(mark)).orElse(false)).forEach(all::add);
        return all;
    }

    /** Kills the browser and all its processes and waits (at most about 10 s) for them to be gone. */
    @Override
    public void close() {
        kill(process, home);
    }

    /**
     * All are listed before any dies: once the browser is gone its children are re-parented and no
     * longer its descendants. KILL at once: nothing of a test profile needs saving.
     */
    private static void kill(Process p, Path home) {
        List<ProcessHandle> all = processes(p, home);
        all.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            for (ProcessHandle h : all) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    h.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // one not gone within 10 s of SIGKILL: the test's own check (processes() empty) says which
        }
    }
}
