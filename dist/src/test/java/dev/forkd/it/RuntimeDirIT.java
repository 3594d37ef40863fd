package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, the runtime directory: another local user (uid 65534) takes the path of a deleted
 * runtime directory, or binds a socket in it, or a supervisor killed with -9 leaves its directory
 * behind. Each test acts as that user through setpriv, so they need root (as in CI).
 */
class RuntimeDirIT {
    private static final Duration PROMPTLY = Duration.ofSeconds(30);
    private static final Duration REPLACEMENT = Duration.ofSeconds(60);
    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    private static final Pattern RUNTIME_DIR = Pattern.compile("runtime directory (\\S+)");

    @BeforeEach
    void needsRoot() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "acting as another user needs root");
    }

    @Test
    void aRuntimeDirectoryWhosePathAnotherUserTookIsNeitherChmoddedNorUsed() throws Exception {
        squatted("rundir-squatter-dir", dir -> run(nobody("mkdir", "-m", "0777", dir.toString())), dir -> {
            assertEquals("rwxrwxrwx", mode(dir), "forkd did not chmod the squatter's directory");
            assertEquals(65534, uid(dir));
            assertFalse(Files.exists(dir.resolve("control.sock"), LinkOption.NOFOLLOW_LINKS), "no control socket in it");
        });
    }

    @Test
    void aSymlinkAtTheRuntimeDirectorysPathIsNotFollowed(@TempDir Path tmp) throws Exception {
        Path target = Files.createDirectory(tmp.resolve("root-owned"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        squatted("rundir-squatter-link", dir -> run(nobody("ln", "-s", target.toString(), dir.toString())), dir -> {
            assertTrue(Files.isSymbolicLink(dir), "the squatter's link is still there");
            assertEquals("rwxr-xr-x", mode(target), "forkd did not chmod the link's target");
            try (var files = Files.list(target)) {
                assertEquals(List.of(), files.collect(Collectors.toList()), "nothing of forkd's in the link's target");
            }
        });
    }

    interface PathAction {
        void accept(Path p) throws Exception;
    }

    /**
     * forkd with its default runtime directory in /tmp; while it is stopped (so that it cannot make the
     * directory again first), the directory is deleted and uid 65534 puts something at its path.
     */
    private static void squatted(String name, PathAction squat, PathAction check) throws Exception {
        Path dir = null;
        try (ForkdProcess forkd = ForkdProcess.serve(name, "--workers", "2", "--worker-heartbeat", "200ms", "--queue-timeout", "60s")) {
            int port = forkd.port();
            dir = Path.of(forkd.awaitLine(RUNTIME_DIR.pattern(), PROMPTLY).group(1));
            assertTrue(dir.startsWith(Path.of(System.getProperty("java.io.tmpdir"))), dir.toString());
            List<Long> first = new ArrayList<>(forkd.readyWorkers().values());
            forkd.signal("STOP");
            try {
                run(List.of("rm", "-rf", dir.toString()));
                squat.accept(dir);
            } finally {
                forkd.signal("CONT");
            }
            for (int i = 0; i < 4; i++) {
                served(port, "served " + i, REPLACEMENT);
            }
            check.accept(dir);
            Matcher moved = forkd.awaitLine("ERROR the runtime directory " + Pattern.quote(dir.toString())
                    + " was deleted and its path was taken by someone else \\(.*uid 65534\\).* moving to (\\S+) ", PROMPTLY);
            Path fresh = Path.of(moved.group(1));
            assertTrue(Files.exists(fresh.resolve("control.sock"), LinkOption.NOFOLLOW_LINKS), "the control socket moved");
            assertTrue(Files.exists(fresh.resolve("broker.sock"), LinkOption.NOFOLLOW_LINKS), "the broker's socket moved with it");
            assertEquals("rwx------", mode(fresh));
            // the old workers drain and exit; the replacements were told the new directory
            for (long pid : first) {
                awaitGone(pid);
            }
            List<String> workers = new ArrayList<>();
            for (ProcessHandle h : forkd.children()) {
                String cmd = cmdline(h.pid());
                if (cmd.contains(" --socket ")) {
                    workers.add(cmd); // not the class-data archive's training run, which has no socket
                }
            }
            assertEquals(2, workers.size(), "two replacement workers: " + workers);
            for (String cmd : workers) {
                assertTrue(cmd.contains(fresh + "/worker-") && cmd.contains(fresh + "/control.sock"), cmd);
                assertFalse(cmd.contains(dir + "/"), cmd);
            }
            assertEquals(1, forkd.countLines("was taken by someone else"), "logged once:\n" + forkd.output());
        } finally {
            if (dir != null) {
                // the squatter's leftovers (forkd rightly left them alone)
                run(List.of("rm", "-rf", dir.toString()));
            }
        }
    }

    @Test
    void aSocketAnotherUserBoundInTheRuntimeDirectoryGetsNoClient(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        try (ForkdProcess forkd = ForkdProcess.serve("rundir-peer-check", "--workers", "2", "--runtime-dir", dir.toString(),
                "--queue-timeout", "60s")) {
            int port = forkd.port();
            // a careless mode lets another user in; the supervisor must not trust what it finds there
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path socket = dir.resolve("worker-1.sock");
            Files.delete(socket);
            Process impostor = new ProcessBuilder(nobody("/usr/bin/python3", "-u", "-c",
                    "import os,socket,sys\n"
                            + "s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1],0o777); s.listen(16)\n"
                            + "print('listening')\n"
                            + "while True:\n"
                            + "  c,_=s.accept(); c.settimeout(5); n=0\n"
                            + "  try:\n"
                            + "    c.sendall(b'IMPOSTR\\n')\n"
                            + "    while True:\n"
                            + "      b=c.recv(4096)\n"
                            + "      if not b: break\n"
                            + "      n+=len(b)\n"
                            + "  except OSError: pass\n"
                            + "  print('conn %d' % n); c.close()\n", socket.toString())).redirectErrorStream(true).start();
            List<String> heard = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(impostor.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        heard.add(l);
                    }
                } catch (IOException e) {
                    heard.add("reader: " + e);
                }
            });
            reader.setDaemon(true);
            reader.start();
            try {
                Await.until(REPLACEMENT, "the impostor listens: " + heard, () -> heard.contains("listening"));
                for (int i = 0; i < 6; i++) {
                    try (Client c = new Client(port)) {
                        assertEquals("HELLO " + i + "\n", c.roundTrip("hello " + i + "\n"), "forkd's worker answered, not the impostor");
                    }
                }
                forkd.awaitLine("ERROR .*worker 1 \\(pid \\d+\\): its socket " + Pattern.quote(socket.toString())
                        + " was answered by user nobody", PROMPTLY);
                Await.until(REPLACEMENT, "the impostor saw forkd connect: " + heard, () -> heard.stream().anyMatch(l -> l.startsWith("conn ")));
                // worker 1 is replaced; its drain must not wake itself through the impostor's socket either
                forkd.awaitLine("worker 1 \\(pid \\d+\\) exited after draining \\(socket answered by another user; exit code 0", PROMPTLY);
                for (String l : heard) {
                    assertTrue(l.equals("listening") || l.equals("conn 0"), "the impostor received bytes: " + heard);
                }
                assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the impostor's file is not forkd's to delete");
                forkd.awaitLine("worker 3 \\(pid \\d+\\) ready", REPLACEMENT);
                for (int i = 0; i < 4; i++) {
                    try (Client c = new Client(port)) {
                        assertEquals("AGAIN " + i + "\n", c.roundTrip("again " + i + "\n"));
                    }
                }
                assertEquals(1, forkd.countLines("was answered by user"), "once per worker, not per connection:\n" + forkd.output());
            } finally {
                impostor.destroyForcibly();
            }
        }
    }

    @Test
    void leftoversOfAKilledSupervisorAreClearedAndALiveOneIsRespected(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Path tmpdir = Path.of(System.getProperty("java.io.tmpdir"));
        long dead = deadPid();
        Path staleOurs = Files.createDirectory(tmpdir.resolve("forkd-" + dead + "-itstale" + System.nanoTime()));
        Files.writeString(staleOurs.resolve("worker-1.sock"), "");
        Path staleTheirs = Files.createDirectory(tmpdir.resolve("forkd-" + dead + "-ittheirs" + System.nanoTime()));
        Files.setAttribute(staleTheirs, "unix:uid", 65534);
        Path livePid = Files.createDirectory(tmpdir.resolve("forkd-" + ProcessHandle.current().pid() + "-itlive" + System.nanoTime()));
        try {
            try (ForkdProcess first = ForkdProcess.serve("rundir-killed", "--workers", "1", "--runtime-dir", dir.toString())) {
                first.port();
                assertFalse(Files.exists(staleOurs, LinkOption.NOFOLLOW_LINKS), "ours, of a dead pid: removed");
                assertTrue(Files.isDirectory(staleTheirs), "another user's: left alone");
                assertTrue(Files.isDirectory(livePid), "a live pid's: left alone");
                first.awaitLine("removed \\d+ stale runtime director(y|ies) of supervisors that are no longer running", PROMPTLY);

                List<ProcessHandle> all = new ArrayList<>(first.process.toHandle().descendants().collect(Collectors.toList()));
                first.process.destroyForcibly();
                all.forEach(ProcessHandle::destroyForcibly);
                assertTrue(first.process.waitFor(30, TimeUnit.SECONDS));
                for (ProcessHandle h : all) {
                    awaitGone(h.pid());
                }
            }
            assertTrue(Files.exists(dir.resolve("control.sock"), LinkOption.NOFOLLOW_LINKS), "kill -9 left its control socket");

            try (ForkdProcess second = ForkdProcess.serve("rundir-after-kill", "--workers", "1", "--runtime-dir", dir.toString())) {
                int port = second.port();
                second.awaitLine("removed \\d+ stale socket\\(s\\) from " + Pattern.quote(dir.toString()), PROMPTLY);
                try (Client c = new Client(port)) {
                    assertEquals("AFTER\n", c.roundTrip("after\n"));
                }
                try (ForkdProcess third = ForkdProcess.serve("rundir-in-use", "--workers", "1", "--runtime-dir", dir.toString())) {
                    assertEquals(4, third.awaitExit(PROMPTLY), third.output());
                    third.awaitLine("ERROR another forkd is running with the runtime directory " + Pattern.quote(dir.toString()), PROMPTLY);
                }
                try (Client c = new Client(port)) {
                    assertEquals("STILL\n", c.roundTrip("still\n"), "the live one was not disturbed");
                }
            }
        } finally {
            run(List.of("rm", "-rf", staleOurs.toString(), staleTheirs.toString(), livePid.toString()));
        }
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        awaitGone(p.pid());
        return p.pid();
    }

    private static List<String> nobody(String... cmd) {
        List<String> all = new ArrayList<>(NOBODY);
        all.addAll(List.of(cmd));
        return all;
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static String cmdline(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
    }

    private static void awaitGone(long pid) throws InterruptedException {
        Await.until(REPLACEMENT, "pid " + pid + " exits", () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }

    private static void served(int port, String text, Duration timeout) throws InterruptedException {
        Await.attempt(timeout, "client served", () -> {
            try (Client c = new Client(port)) {
                assertEquals(text.toUpperCase(Locale.ROOT) + "\n", c.roundTrip(text + "\n"));
            }
        });
    }
}
