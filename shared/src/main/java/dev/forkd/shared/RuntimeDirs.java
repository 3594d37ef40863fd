package dev.forkd.shared;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where the worker and control sockets live: a private directory (0700) chosen as DESIGN.md says:
 * {@code --runtime-dir}, else {@code $RUNTIME_DIRECTORY}, else {@code $XDG_RUNTIME_DIR/forkd-<pid>},
 * else a fresh {@code /tmp/forkd-<pid>-<random>}.
 */
public final class RuntimeDirs {
    public static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private RuntimeDirs() {
    }

    /** Picks the directory; does not create it. */
    public static Path choose(Path explicit, Map<String, String> env, long pid) {
        if (explicit != null) {
            return explicit.toAbsolutePath();
        }
        String systemd = env.get("RUNTIME_DIRECTORY");
        if (systemd != null && !systemd.isBlank()) {
            // systemd may list several, separated by ':'; the first is ours
            return Path.of(systemd.split(":")[0]);
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "forkd-" + pid);
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "forkd-" + pid + "-" + Long.toUnsignedString(RANDOM.nextLong(), 36));
    }

    /**
     * Creates {@code dir} with mode 0700 (or, if it exists and is a directory, tightens it to
     * 0700). Returns true when this call created it, so that the caller knows whether to delete
     * the directory itself on exit or only its own sockets.
     */
    public static boolean create(Path dir) throws IOException {
        boolean created;
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
            created = true;
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new IOException(dir + " exists and is not a directory", e);
            }
            created = false;
        }
        // the umask may have narrowed the mode at creation; an existing dir may be wider
        Files.setPosixFilePermissions(dir, DIR_MODE);
        return created;
    }

    public static Path workerSocket(Path dir, int workerId) {
        return dir.resolve("worker-" + workerId + ".sock");
    }

    public static Path controlSocket(Path dir) {
        return dir.resolve("control.sock");
    }

    /** Deletes {@code dir} and everything in it; a missing directory is not an error. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                try {
                    Files.delete(p);
                } catch (NoSuchFileException e) {
                    // a worker removed its own socket concurrently: the goal is reached
                }
            }
        }
    }
}
