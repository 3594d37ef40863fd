package dev.forkd.supervisor.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The workers' class-data archive (AppCDS, JDK 17's dynamic archive): made once per forkd build,
 * JDK, worker JVM options and serving settings by a training worker run under
 * -XX:ArchiveClassesAtExit (the worker's {@code --train}), in the background after the first
 * workers are up, and kept in a cache
 * directory; every worker launched after that maps it with -XX:SharedArchiveFile and skips
 * loading, parsing and verifying those classes. Anything that goes wrong leaves workers starting
 * as before: the archive is an optimisation, never a requirement.
 *
 * <p>The cache directory is {@code $FORKD_CACHE_DIR}, else {@code $XDG_CACHE_HOME/forkd}, else
 * {@code ~/.cache/forkd}; {@code FORKD_CACHE_DIR=off} turns the archive off. A worker maps the archive
 * as code, so a directory that another user could write to is not used. Whether the archive is used,
 * and why not, is logged once at INFO when the supervisor starts ({@link #describe}).
 */
public final class WorkerClassArchive {
    private static final Logger LOG = LogManager.getLogger(WorkerClassArchive.class);
    /** A training run that takes longer than this has failed; another supervisor may try after it. */
    private static final long TRAIN_TIMEOUT_SECONDS = 120;
    /** Archives of other builds untouched this long are removed when a new one is made. */
    private static final long STALE_DAYS = 7;

    /** Where the archive stands; the start line and the ITs read it. */
    enum State {
        /** No cache directory to keep it in ({@link #reason} says why): workers start without one. */
        OFF,
        /** Not made yet: made in the background once the first workers are up. */
        MISSING,
        /** A training run is making it. */
        MAKING,
        /** Made or found: every worker launched from now on maps it. */
        IN_USE,
        /** Making it failed ({@link #reason}): workers start without one. */
        FAILED
    }

    private final Path file;
    private final String reason;
    private volatile State state;
    private volatile Process training;

    private WorkerClassArchive(Path file, String reason) {
        this.file = file;
        this.reason = reason;
        this.state = file == null ? State.OFF : isArchive(file) ? State.IN_USE : State.MISSING;
    }

    static WorkerClassArchive disabled() {
        return new WorkerClassArchive(null, "not asked for");
    }

    /** @param key what the archive depends on besides the class path: the JVM and the workers' JVM options */
    static WorkerClassArchive locate(Map<String, String> env, String classPath, List<String> key) {
        String explicit = env.get("FORKD_CACHE_DIR");
        if (explicit != null && explicit.trim().equals("off")) {
            return new WorkerClassArchive(null, "FORKD_CACHE_DIR=off");
        }
        Path dir = cacheDir(env);
        if (dir == null) {
            return new WorkerClassArchive(null, "no cache directory (no FORKD_CACHE_DIR, XDG_CACHE_HOME or home directory);"
                    + " set FORKD_CACHE_DIR to a directory of forkd's user");
        }
        String unusable = unusable(dir);
        if (unusable != null) {
            return new WorkerClassArchive(null, unusable + "; set FORKD_CACHE_DIR to a directory only forkd's user can write");
        }
        return new WorkerClassArchive(dir.resolve("worker-" + fingerprint(classPath, key) + ".jsa"), null);
    }

    static Path cacheDir(Map<String, String> env) {
        String explicit = env.get("FORKD_CACHE_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return explicit.equals("off") ? null : Path.of(explicit);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "forkd");
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() || home.equals("?") ? null : Path.of(home, ".cache", "forkd");
    }

    /**
     * Why {@code dir} cannot hold the archive, or null when it can: it is made (0700) if missing, and must
     * be a directory this user owns and can write that no other user can write to (a worker maps the
     * archive as code). A link to such a directory is followed: systemd's CacheDirectory= with
     * DynamicUser= is one.
     */
    static String unusable(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            }
            int owner = (Integer) Files.getAttribute(dir, "unix:uid");
            if (owner != dev.forkd.shared.RuntimeDirs.selfUid()) {
                return "the cache directory " + dir + " belongs to uid " + owner + ", not to forkd's user";
            }
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            if (perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                    || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
                return "the cache directory " + dir + " is writable by other users ("
                        + java.nio.file.attribute.PosixFilePermissions.toString(perms) + ")";
            }
            if (!Files.isWritable(dir)) {
                return "the cache directory " + dir + " is not writable"
                        + (Files.getFileStore(dir).isReadOnly() ? " (a read-only file system)" : "");
            }
            return null;
        } catch (java.nio.file.AccessDeniedException e) {
            return "cannot make the cache directory " + dir + " (permission denied: " + e.getFile() + ")";
        } catch (java.nio.file.FileSystemException e) {
            return "cannot use the cache directory " + dir + " (" + (e.getReason() != null ? e.getReason() : e.toString()) + ")";
        } catch (IOException | UnsupportedOperationException | ClassCastException e) {
            return "cannot use the cache directory " + dir + " (" + e + ")";
        }
    }

    /** A digest of the JVM, every class-path entry's name, size and time, and the options: a new build gets a new archive. */
    static String fingerprint(String classPath, List<String> key) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            List<String> parts = new ArrayList<>(key);
            parts.add(System.getProperty("java.home"));
            parts.add(System.getProperty("java.vm.version"));
            for (String entry : classPath.split(java.io.File.pathSeparator)) {
                Path p = Path.of(entry);
                long size = -1;
                long mtime = -1;
                try {
                    size = Files.size(p);
                    mtime = Files.getLastModifiedTime(p).toMillis();
                } catch (IOException e) {
                    // a missing entry still takes part by name
                }
                parts.add(entry + "|" + size + "|" + mtime);
            }
            for (String s : parts) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            StringBuilder sb = new StringBuilder();
            for (byte b : md.digest()) {
                sb.append(String.format("%02x", b));
            }
            return sb.substring(0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Path file() {
        return file;
    }

    boolean usable() {
        return state == State.IN_USE;
    }

    State state() {
        return state;
    }

    /** The one INFO line at start: whether workers use the archive, and why not. */
    String describe() {
        switch (state) {
            case OFF:
                return "class-data archive for workers: off, " + reason + "; workers start without one (slower)";
            case IN_USE:
                return "class-data archive for workers: in use, " + file;
            default:
                return "class-data archive for workers: none yet; it is made in the background once the workers are up, as " + file;
        }
    }

    /** Logs {@link #describe} at INFO. */
    public void announce() {
        LOG.info(describe());
    }

    /** The options that make a worker map the archive, when there is one; none otherwise. */
    List<String> jvmOptions() {
        if (state != State.IN_USE) {
            return List.of();
        }
        // an archive that cannot be mapped (a JDK update, a damaged file) is skipped without a word
        return List.of("-XX:SharedArchiveFile=" + file, "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    /**
     * Makes the archive in the background unless it exists, or another supervisor is making it.
     *
     * @param trainingCommand the training worker's command line, given where to write the archive
     */
    void prepare(Function<Path, List<String>> trainingCommand) {
        if (state != State.MISSING) {
            return;
        }
        state = State.MAKING;
        Thread t = new Thread(() -> {
            try {
                train(trainingCommand);
            } catch (IOException | RuntimeException e) {
                state = State.FAILED;
                LOG.info("class-data archive for workers not made ({}); workers start without one", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "class-archive");
        t.setDaemon(true);
        t.start();
    }

    /** The lock file while this forkd is making the archive, else null. */
    private volatile Path lock;

    private void train(Function<Path, List<String>> trainingCommand) throws IOException, InterruptedException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path lock = dir.resolve(file.getFileName() + ".lock");
        if (!claimLock(lock, ProcessHandle.current().pid())) {
            state = State.MISSING;
            LOG.info("class-data archive for workers: another forkd is making {}; workers start without it until a restart of forkd", file);
            return;
        }
        this.lock = lock;
        Path tmp = dir.resolve(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        long start = System.nanoTime();
        try {
            Process p = new ProcessBuilder(trainingCommand.apply(tmp)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            training = p;
            if (!p.waitFor(TRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("the training run took over " + TRAIN_TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0 || !isArchive(tmp)) {
                throw new IOException("the training run exited " + p.exitValue() + (isArchive(tmp) ? "" : " without an archive"));
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            state = State.IN_USE;
            removeStale(dir);
            LOG.info("class-data archive for workers made in {} ms: {}; workers start with it from now on",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), file);
        } finally {
            training = null;
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(lock);
            this.lock = null;
        }
    }

    /**
     * Takes the lock file that says who is making the archive, writing {@code pid} in it. A lock is
     * someone else's while its pid runs and it is younger than a training run may take; one whose
     * maker is gone (a forkd stopped or killed mid-training leaves it behind) is taken over at once.
     */
    static boolean claimLock(Path lock, long pid) throws IOException {
        byte[] ours = Long.toString(pid).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            Files.write(lock, ours, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            FileTime t = Files.getLastModifiedTime(lock);
            boolean fresh = t.toInstant().isAfter(Instant.now().minusSeconds(TRAIN_TIMEOUT_SECONDS));
            if (fresh && makerRuns(lock, pid)) {
                return false;
            }
            Files.write(lock, ours); // a stale lock: ours now
            return true;
        }
    }

    /** Whether the process named in {@code lock} (another than {@code self}) still runs; a lock naming none counts as held. */
    private static boolean makerRuns(Path lock, long self) throws IOException {
        String text = Files.readString(lock, java.nio.charset.StandardCharsets.US_ASCII).trim();
        if (!text.matches("\\d{1,19}")) {
            return true; // written by an older forkd, or being written: trust its age alone
        }
        long maker = Long.parseLong(text);
        return maker != self && ProcessHandle.of(maker).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Every build makes a new archive: those of other builds not touched for a week go, so that the
     * cache stays small. A worker that has one mapped keeps it (Linux); one starting after its
     * removal starts without it.
     */
    private void removeStale(Path dir) {
        Instant cutoff = Instant.now().minus(java.time.Duration.ofDays(STALE_DAYS));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            files.filter(p -> !p.equals(file) && p.getFileName().toString().matches("worker-[0-9a-f]+\\.jsa")).forEach(p -> {
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    LOG.debug("removing the stale archive {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.debug("listing {}: {}", dir, e.toString());
        }
    }

    /** Ends a training run still going (the supervisor is stopping). */
    void stop() {
        Process p = training;
        if (p != null) {
            p.destroyForcibly();
        }
        Path l = lock;
        if (l != null) {
            // the training thread is a daemon and may not reach its own clean-up before the JVM exits
            try {
                Files.deleteIfExists(l);
            } catch (IOException e) {
                LOG.debug("removing {}: {}", l, e.toString());
            }
        }
    }

    private static boolean isArchive(Path p) {
        try {
            return Files.isRegularFile(p) && Files.size(p) > 0;
        } catch (IOException e) {
            return false;
        }
    }
}
