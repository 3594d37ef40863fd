package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fault injection (issue 8): real supervisor and worker processes, each hurt in one way while
 * clients are using them, judged by what the clients see and what the supervisor logs. Every wait
 * is for a condition with a deadline; the only fixed durations are the faults themselves (a 5 s
 * SIGSTOP) and the windows in which something must NOT happen.
 */
class FaultIT {
    /** Heartbeat.KILL_GRACE: a SIGSTOPped worker ignores TERM, so it is the KILL after this that ends it. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(3);
    /** Generous for a loaded 2-core machine; a healthy run takes a fraction of it. */
    private static final Duration PROMPTLY = Duration.ofSeconds(10);
    private static final Duration REPLACEMENT = Duration.ofSeconds(60);
    private static final Pattern WARN_OR_ERROR = Pattern.compile("^\\S+ \\S+ (WARN|ERROR) ");

    @Test
    void aWorkerKilledMidWriteEndsOnlyItsOwnClient() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("fault-kill-mid-write", "--workers", "3", "--handler", "echo", "--log-level", "DEBUG")) {
            int port = forkd.port();
            try (Client b = new Client(port); Client c = new Client(port); Stream a = new Stream(port)) {
                assertEquals("b\n", b.roundTrip("b\n"));
                assertEquals("c\n", c.roundTrip("c\n"));
                a.awaitReceived(4 << 20, PROMPTLY);
                int id = workerServing(forkd, a.socket.getLocalPort());
                long pid = forkd.readyWorkers().get(id);
                assertTrue(id != workerServing(forkd, b.localPort()) && id != workerServing(forkd, c.localPort()), "prefork: a worker each");

                ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL while both directions are busy
                String readEnd = a.readerEnd.get(PROMPTLY.toSeconds(), TimeUnit.SECONDS);
                String writeEnd = a.writerEnd.get(PROMPTLY.toSeconds(), TimeUnit.SECONDS);
                assertFalse(a.corrupt, "every byte the client got back before the kill is what it sent, in order");
                assertTrue(a.received.get() >= 4 << 20, "received " + a.received.get());
                assertFalse(readEnd.equals("finished") || writeEnd.equals("finished"), "the stream was cut, not completed: " + readEnd + " / " + writeEnd);

                assertEquals("b again\n", b.roundTrip("b again\n"), "another client carries on");
                assertEquals("c again\n", c.roundTrip("c again\n"), "another client carries on");
                forkd.awaitLine("worker " + id + " \\(pid " + pid + "\\) exited unexpectedly \\(killed by signal KILL \\(9\\)\\).*took down 1 client",
                        PROMPTLY);
                forkd.awaitLine("worker 4 \\(pid \\d+\\) ready", REPLACEMENT);
                try (Client d = new Client(port)) {
                    assertEquals("after\n", d.roundTrip("after\n"));
                }
            }
            assertOnlyExpectedWarnings(forkd, "exited unexpectedly \\(killed by signal KILL");
        }
    }

    @Test
    void aWorkerStoppedMidConversationIsKilledAndItsClientReleased() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("fault-sigstop-worker", "--workers", "2", "--log-level", "DEBUG",
                "--worker-heartbeat", "200ms", "--worker-timeout", "1s")) {
            int port = forkd.port();
            try (Client a = new Client(port); Client b = new Client(port)) {
                assertEquals("HELLO\n", a.roundTrip("hello\n"));
                assertEquals("OTHER\n", b.roundTrip("other\n"));
                int id = workerServing(forkd, a.localPort());
                long pid = forkd.readyWorkers().get(id);
                ProcessHandle victim = ProcessHandle.of(pid).orElseThrow();
                kill("STOP", pid);

                a.send("are you there\n");
                assertTrue(a.silentFor(Duration.ofMillis(500)), "the conversation stalls: its worker is stopped");
                forkd.awaitLine("worker " + id + " \\(pid " + pid + "\\) timed out", PROMPTLY);
                victim.onExit().get(PROMPTLY.plus(KILL_GRACE).toSeconds(), TimeUnit.SECONDS);
                assertTrue(a.endsWithin(PROMPTLY), "the stopped worker's client sees its connection end once the worker is killed");
                forkd.awaitLine("worker " + id + " \\(pid " + pid + "\\) is gone \\(killed by signal KILL", PROMPTLY);

                assertEquals("STILL HERE\n", b.roundTrip("still here\n"), "the other client was not disturbed");
                forkd.awaitLine("worker 3 \\(pid \\d+\\) ready", REPLACEMENT);
                try (Client c = new Client(port)) {
                    assertEquals("NEXT\n", c.roundTrip("next\n"));
                }
            }
            assertOnlyExpectedWarnings(forkd, "worker \\d+ \\(pid \\d+\\) timed out", "still running 3s after TERM; sending KILL",
                    "is gone \\(killed by signal KILL");
        }
    }

    /**
     * unicorn's test: stop the supervisor longer than a worker may be silent, then continue it.
     * The workers did nothing wrong (no one pinged them), so none may be killed for it.
     */
    @ParameterizedTest(name = "heartbeat {0}, worker timeout {1}")
    // 2s/4s: the stop usually lands before the first beat, and outlasts the timeout
    @CsvSource({"2s, 4s", "200ms, 2s"})
    void aStoppedSupervisorKillsNoWorkerWhenContinued(String heartbeat, String timeout) throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("fault-sigstop-supervisor-" + timeout, "--workers", "2", "--admin", "127.0.0.1:0",
                "--worker-heartbeat", heartbeat, "--worker-timeout", timeout)) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            Map<Integer, Long> before = pidsById(admin.status());
            assertEquals(2, before.size());
            try (Client a = new Client(port)) {
                assertEquals("BEFORE\n", a.roundTrip("before\n"));
                forkd.signal("STOP");
                Client during;
                try {
                    // the kernel completes the handshake while the supervisor is stopped; it is served after
                    during = new Client(port);
                    during.send("during\n");
                    TimeUnit.SECONDS.sleep(5); // the fault itself: 5 s stopped, longer than the 2 s timeout
                } finally {
                    forkd.signal("CONT");
                }
                try (Client d = during) {
                    assertEquals("DURING\n", d.readString(7), "a client that connected while it was stopped is served");
                }
                assertEquals("AFTER\n", a.roundTrip("after\n"), "a conversation from before the stop goes on");
                // a window in which something must NOT happen: three heartbeats, at least a second
                long beats = Math.max(1000, 3 * millis(heartbeat));
                TimeUnit.MILLISECONDS.sleep(beats);
                assertEquals(0, forkd.countLines("timed out"), "no worker was killed for the supervisor's pause:\n" + forkd.output());
                assertEquals(before, pidsById(admin.status()), "the same workers, with the same pids");
                assertEquals(2, Admin.countReady(admin.status()));
                forkd.awaitLine("the heartbeat did not run for", PROMPTLY);
                try (Client c = new Client(port)) {
                    assertEquals("NEW\n", c.roundTrip("new\n"));
                }
            }
            assertOnlyExpectedWarnings(forkd, "the heartbeat did not run for");
        }
    }

    @Test
    void aDeletedRuntimeDirectoryIsRecreatedAndServingResumes(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        try (ForkdProcess forkd = ForkdProcess.serve("fault-runtime-dir", "--workers", "2", "--runtime-dir", dir.toString(),
                "--queue-timeout", "60s")) {
            int port = forkd.port();
            Map<Integer, Long> first = forkd.readyWorkers();
            try (Client old = new Client(port)) {
                assertEquals("OLD\n", old.roundTrip("old\n"));
                Process rm = new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start();
                assertEquals(0, rm.waitFor());
                assertFalse(Files.exists(dir));

                // the first connection after the loss finds no worker it can reach; it waits in the queue for the replacements
                served(port, "new", Duration.ofSeconds(60));
                forkd.awaitLine("ERROR the runtime directory " + Pattern.quote(dir.toString()) + " was deleted under the running supervisor", PROMPTLY);
                assertTrue(Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS), "recreated");
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
                assertTrue(Files.exists(dir.resolve("control.sock")), "the control socket is bound again");
                assertTrue(Files.exists(dir.resolve("broker.sock")), "and the broker's");
                assertEquals("OLD AGAIN\n", old.roundTrip("old again\n"), "a stream opened before the loss is unaffected");
            }
            // the old workers drain and exit; their replacements carry on serving
            for (Map.Entry<Integer, Long> w : first.entrySet()) {
                forkd.awaitLine("worker " + w.getKey() + " \\(pid " + w.getValue() + "\\) exited after draining \\(runtime directory deleted", REPLACEMENT);
            }
            for (int i = 0; i < 4; i++) {
                try (Client c = new Client(port)) {
                    assertEquals("AGAIN " + i + "\n", c.roundTrip("again " + i + "\n"));
                }
            }
            assertTrue(forkd.process.isAlive());
            assertEquals(1, forkd.countLines(" ERROR "), "one ERROR line, for the deletion:\n" + forkd.output());
            assertOnlyExpectedWarnings(forkd, "the runtime directory .* was deleted under the running supervisor",
                    "worker \\d+ did not take a connection; sending it to another worker");
        }
    }

    @Test
    void aClientResetMidStreamFreesItsSlot() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("fault-client-rst", "--workers", "1", "--handler", "echo")) {
            int port = forkd.port();
            long worker = forkd.readyWorkers().get(1);
            // small enough to fit the socket buffers while the client reads nothing back
            byte[] chunk = new byte[64 << 10];
            for (int i = 0; i < 5; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    out.write(chunk);
                    assertTrue(in.read() >= 0, "the echo has started: data is in flight both ways");
                    out.write(chunk); // more on its way while the client vanishes
                    s.setSoLinger(true, 0);
                } // close with linger 0: RST, with unread echo in our buffer and unsent bytes in the relay
                try (Client next = new Client(port)) {
                    // one worker, one connection at a time: only served if the reset freed the slot
                    assertEquals("next " + i + "\n", next.roundTrip("next " + i + "\n"));
                }
            }
            assertTrue(forkd.process.isAlive());
            assertEquals(Map.of(1, worker), forkd.readyWorkers(), "the worker survived every reset");
            assertTrue(ProcessHandle.of(worker).map(ProcessHandle::isAlive).orElse(false));
            assertOnlyExpectedWarnings(forkd);
        }
    }

    /** onOpen runs after the worker accepted the stream (and read its PROXY header), before it reads any client byte. */
    private static final String HALT_ON_OPEN = "package com.example;\n"
            + "import dev.forkd.api.*; import java.nio.ByteBuffer;\n"
            + "public class HaltOnOpen implements Handler {\n"
            + "  public void onOpen(Connection c) { Runtime.getRuntime().halt(3); }\n"
            + "  public void onMessage(Connection c, ByteBuffer m) { }\n"
            + "}\n";

    @Test
    void aWorkerThatDiesBeforeItsFirstReadIsACrashNotABootFailure(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.HaltOnOpen", HALT_ON_OPEN);
        // exit code 3 is also what a worker that cannot boot returns: only having been ready tells them apart
        try (ForkdProcess forkd = ForkdProcess.serve("fault-die-before-read", "--workers", "2", "--handler", "com.example.HaltOnOpen",
                "--worker-classpath", jar.toString(), "--log-level", "DEBUG", "--max-restarts", "100")) {
            int port = forkd.port();
            for (int i = 0; i < 2; i++) {
                try (Client c = new Client(port)) {
                    try {
                        c.send("hello\n");
                    } catch (IOException e) {
                        // the worker may already have died and its connection been closed: that is what is tested
                    }
                    assertTrue(c.endsWithin(PROMPTLY), "the client sees its connection end");
                    int id = workerServing(forkd, c.localPort());
                    forkd.awaitLine("worker " + id + " \\(pid \\d+\\) (ran out of memory|exited unexpectedly).*took down 1 client", PROMPTLY);
                    forkd.awaitLine("worker " + (3 + i) + " \\(pid \\d+\\) ready", REPLACEMENT);
                }
            }
            assertTrue(forkd.process.isAlive(), "still serving:\n" + forkd.output());
            assertEquals(0, forkd.countLines("failed to boot|before it was ready|shutting down"), forkd.output());
            assertEquals(2, forkd.countLines("took down 1 client"), forkd.output());
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** A client that streams a pattern through the echo handler and checks what comes back, both directions at once. */
    private static final class Stream implements AutoCloseable {
        private static final long LIMIT = 1L << 30;
        final Socket socket = new Socket();
        final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        final CompletableFuture<String> readerEnd = new CompletableFuture<>();
        final CompletableFuture<String> writerEnd = new CompletableFuture<>();
        volatile boolean corrupt;

        Stream(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(30_000);
            Thread w = new Thread(this::write, "stream-writer");
            Thread r = new Thread(this::read, "stream-reader");
            w.setDaemon(true);
            r.setDaemon(true);
            w.start();
            r.start();
        }

        private void write() {
            byte[] b = new byte[64 << 10];
            long off = 0;
            try {
                OutputStream out = socket.getOutputStream();
                while (off < LIMIT) {
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) ((off + i) % 251);
                    }
                    out.write(b);
                    off += b.length;
                }
                writerEnd.complete("finished");
            } catch (IOException e) {
                writerEnd.complete(e.toString());
            }
        }

        private void read() {
            byte[] b = new byte[64 << 10];
            long off = 0;
            try {
                InputStream in = socket.getInputStream();
                int n;
                while ((n = in.read(b)) >= 0) {
                    for (int i = 0; i < n; i++) {
                        if (b[i] != (byte) ((off + i) % 251)) {
                            corrupt = true;
                        }
                    }
                    off += n;
                    received.set(off);
                    synchronized (this) {
                        notifyAll();
                    }
                }
                readerEnd.complete(off >= LIMIT ? "finished" : "EOF");
            } catch (IOException e) {
                readerEnd.complete(e.toString());
            }
            synchronized (this) {
                notifyAll();
            }
        }

        synchronized void awaitReceived(long n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (received.get() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || readerEnd.isDone()) {
                    fail("the stream got " + received.get() + " of " + n + " bytes back" + (readerEnd.isDone() ? ", then " + readerEnd.join() : ""));
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Keeps trying a new connection until one gets its reply, or fails at the deadline. */
    private static void served(int port, String text, Duration timeout) throws InterruptedException {
        Await.attempt(timeout, "client served", () -> {
            try (Client c = new Client(port)) {
                String reply = c.roundTrip(text + "\n");
                assertEquals(text.toUpperCase(java.util.Locale.ROOT) + "\n", reply);
            }
        });
    }

    private static int workerServing(ForkdProcess forkd, int clientPort) throws InterruptedException {
        return Integer.parseInt(forkd.awaitLine("connection \\d+ from 127\\.0\\.0\\.1:" + clientPort + " -> worker (\\d+)", PROMPTLY).group(1));
    }

    private static Map<Integer, Long> pidsById(JsonNode status) {
        Map<Integer, Long> m = new HashMap<>();
        for (JsonNode w : status.get("workers")) {
            m.put(w.get("id").asInt(), w.get("pid").asLong());
        }
        return m;
    }

    private static long millis(String duration) {
        return duration.endsWith("ms") ? Long.parseLong(duration.replace("ms", "")) : 1000 * Long.parseLong(duration.replace("s", ""));
    }

    private static void kill(String signal, long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-s", signal, Long.toString(pid)).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "kill -s " + signal + " " + pid);
    }

    /** Every WARN or ERROR line of the supervisor (and of its workers) is one of those the fault explains. */
    private static void assertOnlyExpectedWarnings(ForkdProcess forkd, String... expected) {
        List<Pattern> allowed = new ArrayList<>();
        // a starved supervisor on a loaded machine says so, rightly; it is the machine, not the fault
        allowed.add(Pattern.compile("the heartbeat did not run for "));
        for (String e : expected) {
            allowed.add(Pattern.compile(e));
        }
        List<String> unexpected = new ArrayList<>();
        for (String line : forkd.output().split("\n")) {
            if (WARN_OR_ERROR.matcher(line).find() && allowed.stream().noneMatch(p -> p.matcher(line).find())) {
                unexpected.add(line);
            }
        }
        assertTrue(unexpected.isEmpty(), "unexpected warnings or errors:\n" + String.join("\n", unexpected));
    }
}
