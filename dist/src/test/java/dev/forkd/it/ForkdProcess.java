package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real {@code java -jar forkd.jar ...} process for integration tests: its output is collected
 * (and copied to target/it-logs), and tests wait for lines with deadlines, never for fixed times.
 */
final class ForkdProcess implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The signals forkd handles (QUIT stays the JVM's). */
    static final String DEFAULT_SIGNALS = "HUP,INT,TERM,TTIN,TTOU";
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)");
    private static final Pattern READY = Pattern.compile("worker (\\d+) \\(pid (\\d+)\\) ready");

    final Process process;
    private final LogLines lines;
    private final Thread pump;

    private ForkdProcess(Process process, Path logFile) throws IOException {
        this.process = process;
        this.lines = new LogLines("output", this::endedWhy);
        Files.createDirectories(logFile.getParent());
        PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true);
        this.pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.println(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                log.println("[test] output pump: " + e);
            } finally {
                log.close();
            }
        }, "forkd-output");
        pump.setDaemon(true);
        pump.start();
    }

    static Path jar() {
        return Path.of(System.getProperty("forkd.jar", "target/forkd.jar")).toAbsolutePath();
    }

    /** Starts {@code forkd serve ARGS} with an ephemeral port unless the args name one. */
    static ForkdProcess serve(String testName, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("serve"));
        if (!List.of(args).contains("--port")) {
            all.add("--port");
            all.add("0");
        }
        all.addAll(List.of(args));
        return run(testName, all);
    }

    /**
     * As {@link #serve}, with exactly these options for the supervisor's own {@code java} (e.g.
     * -Xmx96m) and no others: not even the launchers' -XX:+ExitOnOutOfMemoryError.
     */
    static ForkdProcess serveWithJvm(List<String> jvmOpts, String testName, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("serve", "--port", "0"));
        all.addAll(List.of(args));
        return start(testName, javaJar(jvmOpts, all), Map.of());
    }

    /** Starts {@code java -jar forkd.jar ARGS}. */
    static ForkdProcess run(String testName, List<String> args) throws IOException {
        return start(testName, javaJar(args), Map.of());
    }

    /**
     * {@code java -jar forkd.jar ARGS} as a command line, to run under another program; with
     * -XX:+ExitOnOutOfMemoryError, as every launcher of forkd's starts it.
     */
    static List<String> javaJar(List<String> args) {
        return javaJar(List.of("-XX:+ExitOnOutOfMemoryError"), args);
    }

    private static List<String> javaJar(List<String> jvmOpts, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOpts);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(args);
        return cmd;
    }

    /** Starts any command whose output is forkd's (e.g. forkd under systemd-socket-activate), with extra environment. */
    static ForkdProcess start(String testName, List<String> command, Map<String, String> env) throws IOException {
        return startAsIs(testName, withDefaultSignals(command), env);
    }

    /**
     * Starts {@code command} with the signal dispositions this JVM has: under a runner started with
     * nohup, HUP arrives ignored, and so on. For the tests of forkd under such dispositions.
     */
    static ForkdProcess startAsIs(String testName, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("XDG_RUNTIME_DIR");
        pb.environment().remove("RUNTIME_DIRECTORY");
        pb.environment().remove("NOTIFY_SOCKET");
        pb.environment().putAll(env);
        return new ForkdProcess(pb.start(), Path.of("target", "it-logs", testName + ".log"));
    }

    /**
     * {@code command} run with the default disposition of every signal forkd uses. A signal ignored
     * in the test runner (nohup ignores HUP; `mvn verify &` in a script ignores INT) would be ignored
     * in forkd too, and tests of HUP or INT would fail for a reason outside the test.
     */
    static List<String> withDefaultSignals(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=" + DEFAULT_SIGNALS));
        cmd.addAll(command);
        return cmd;
    }

    /** Waits for a line matching {@code regex}; fails the test with the output so far at the deadline. */
    Matcher awaitLine(String regex, Duration timeout) throws InterruptedException {
        return lines.awaitLine(regex, timeout);
    }

    /** Null while forkd may still write; once it has exited and its output is all read, why no more comes. */
    private String endedWhy() {
        return !process.isAlive() && !pump.isAlive() ? "forkd exited (" + process.exitValue() + ")" : null;
    }

    /** The port from the `listening on` line, waiting for it. */
    int port() throws InterruptedException {
        return Integer.parseInt(awaitLine(LISTENING.pattern(), START_TIMEOUT).group(2));
    }

    /** Worker id → pid, from the ready lines so far. */
    Map<Integer, Long> readyWorkers() {
        Map<Integer, Long> m = new HashMap<>();
        for (String l : lines.snapshot()) {
            Matcher r = READY.matcher(l);
            if (r.find()) {
                m.put(Integer.parseInt(r.group(1)), Long.parseLong(r.group(2)));
            }
        }
        return m;
    }

    /** Every line so far, in order. */
    List<String> linesSoFar() {
        return lines.snapshot();
    }

    List<ProcessHandle> children() {
        return process.toHandle().children().filter(ProcessHandle::isAlive).collect(Collectors.toList());
    }

    /**
     * Sends a signal by name (TERM, INT, HUP, ...). Not {@link Process#destroy()}: that also closes
     * our end of forkd's output, and the lines it logs while stopping would be lost.
     */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            fail("kill -s " + name + " " + process.pid() + " failed");
        }
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("forkd did not exit within " + timeout + "; output:\n" + output());
        }
        try {
            pump.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    String output() {
        return lines.text();
    }

    /**
     * Waits until at least {@code n} lines match: a line forkd wrote before a client saw its reply
     * may not have been read from the pipe yet when the test looks.
     */
    long awaitCount(String regex, long n, Duration timeout) throws InterruptedException {
        return lines.awaitCount(regex, n, timeout);
    }

    long countLines(String regex) {
        return lines.countLines(regex);
    }

    /**
     * Stops forkd and any worker left, so that no test leaks processes: TERM first, so that forkd
     * removes its runtime directory, then KILL for whatever is still there.
     */
    @Override
    public void close() {
        List<ProcessHandle> kids = process.toHandle().descendants().collect(Collectors.toList());
        if (process.isAlive()) {
            process.toHandle().destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process.destroyForcibly();
        kids.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
