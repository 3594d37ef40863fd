package dev.forkd.tools.experiment;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A real `forkd serve` under test by the crash experiment: started as its own JVM, its log copied
 * to a file, its port and admin address read from its log lines. Stopped with TERM; killed, with
 * its workers, on any failure, so that the experiment never leaves a process behind.
 */
final class SupervisorProcess implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(SupervisorProcess.class);
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)");
    private static final Pattern ADMIN = Pattern.compile("admin endpoint on http://(\\S+)/status");
    private static final int TAIL = 40;

    private final Process process;
    private final Thread pump;
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private InetSocketAddress listen;
    private String admin;

    private SupervisorProcess(Process process, Path logFile) throws IOException {
        this.process = process;
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8));
        this.pump = new Thread(() -> pump(log), "supervisor-output");
        this.pump.setDaemon(true);
        this.pump.start();
    }

    static SupervisorProcess start(List<String> command, Path logFile) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // ours, if we run under systemd: the supervisor under test must not share a runtime directory or notify for us
        pb.environment().remove("RUNTIME_DIRECTORY");
        pb.environment().remove("NOTIFY_SOCKET");
        pb.environment().remove("LISTEN_FDS");
        pb.environment().remove("LISTEN_PID");
        LOG.debug("starting {}", String.join(" ", command));
        return new SupervisorProcess(pb.start(), logFile);
    }

    private void pump(PrintWriter log) {
        try (log; BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.println(line);
                synchronized (this) {
                    if (tail.size() == TAIL) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                    Matcher l = LISTENING.matcher(line);
                    if (listen == null && l.find()) {
                        String host = l.group(1).replaceAll("^\\[|\\]$", "");
                        listen = new InetSocketAddress(host, Integer.parseInt(l.group(2)));
                    }
                    Matcher a = ADMIN.matcher(line);
                    if (admin == null && a.find()) {
                        admin = a.group(1);
                    }
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // its output ended with it; the exit code says what happened
            LOG.debug("supervisor output: {}", e.toString());
        } finally {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Waits for the `listening on` and `admin endpoint on` lines. */
    synchronized void awaitStarted(Duration timeout) throws ExperimentException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (listen == null || admin == null) {
            long left = deadline - System.nanoTime();
            if (!process.isAlive() && !pump.isAlive()) {
                throw new ExperimentException("the supervisor exited (code " + process.exitValue() + ") before it was listening:\n" + tail());
            }
            if (left <= 0) {
                throw new ExperimentException("the supervisor was not listening within " + timeout.toSeconds() + "s:\n" + tail());
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
    }

    synchronized InetSocketAddress listen() {
        return listen;
    }

    /** HOST:PORT of its admin endpoint. */
    synchronized String admin() {
        return admin;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Its last log lines, for an error message. */
    synchronized String tail() {
        return tail.stream().map(l -> "  | " + l).collect(Collectors.joining("\n"));
    }

    /**
     * TERM, then waits for its graceful stop; returns its exit code, or -1 if it had to be killed.
     * Not Process.destroy(): that also closes our end of its output, and its last lines would be lost.
     */
    int stop(Duration timeout) throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("the supervisor (pid {}) did not stop within {}s of TERM; killing it", process.pid(), timeout.toSeconds());
            close();
            return -1;
        }
        pump.join(TimeUnit.SECONDS.toMillis(5));
        return process.exitValue();
    }

    /** Kills it and its workers if still running. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> descendants = process.toHandle().descendants().collect(Collectors.toList());
        process.destroyForcibly();
        // its workers exit by themselves when its control channel breaks; this is for the instant before
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
