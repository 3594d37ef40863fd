package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A short-lived {@code java -jar forkd.jar ARGS} process (client, bench) whose stdout and stderr
 * are kept apart, since stdout is the command's output (replies, JSON) and stderr its messages
 * and logs. Its stdin is ours to write. Both outputs are copied to target/it-logs.
 */
final class CommandProcess implements AutoCloseable {
    final Process process;
    private final String name;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final Thread outPump;
    private final Thread errPump;

    private CommandProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.outPump = pump(process.getInputStream(), stdout, name + "-stdout");
        this.errPump = pump(process.getErrorStream(), stderr, name + "-stderr");
    }

    static CommandProcess start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-jar");
        cmd.add(ForkdProcess.jar().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(ForkdProcess.withDefaultSignals(cmd));
        // as ForkdProcess does for forkd: the same per-user paths (the admin token's) on both sides
        pb.environment().remove("XDG_RUNTIME_DIR");
        return new CommandProcess(name, pb.start());
    }

    private Thread pump(InputStream in, ByteArrayOutputStream sink, String threadName) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (this) {
                        sink.write(buf, 0, n);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                synchronized (this) {
                    sink.writeBytes(("[test] pump failed: " + e).getBytes(StandardCharsets.UTF_8));
                }
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }

    void write(String text) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    void closeStdin() throws IOException {
        process.getOutputStream().close();
    }

    synchronized String stdout() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    synchronized String stderr() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    /** Waits until stdout satisfies {@code condition}; fails the test with both outputs at the deadline. */
    synchronized void awaitStdout(Predicate<String> condition, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(stdout())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("stdout never showed " + what + " within " + timeout + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
            }
            if (!process.isAlive() && !outPump.isAlive()) {
                fail("the process exited (" + process.exitValue() + ") before stdout showed " + what
                        + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
    }

    /** Waits for the exit and for both outputs to end; fails the test at the deadline. */
    int awaitExit(Duration timeout) throws InterruptedException, IOException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(name + " did not exit within " + timeout + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
        }
        outPump.join(5000);
        errPump.join(5000);
        Path log = Path.of("target", "it-logs", name + ".log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "exit " + process.exitValue() + "\n--- stdout\n" + stdout() + "\n--- stderr\n" + stderr());
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            // it was sent KILL; keep the interrupt for the caller
            Thread.currentThread().interrupt();
        }
    }
}
