package dev.forkd.shared;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;

/**
 * Where the worker and control sockets live: a private directory (0700) chosen as DESIGN.md says:
 * {@code --runtime-dir}, else {@code $RUNTIME_DIRECTORY}, else {@code $XDG_RUNTIME_DIR/forkd-<pid>},
 * else a fresh {@code /tmp/forkd-<pid>-<random>}.
 */
public final class RuntimeDirs {
    public static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-------");
    /** In a holder: workers use this class for its modes and names, and must not pay for seeding a SecureRandom at boot. */
    private static final class Random {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

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
        return Path.of(System.getProperty("java.io.tmpdir"), "forkd-" + pid + "-" + Long.toUnsignedString(Random.INSTANCE.nextLong(), 36));
    }

    /**
     * Creates {@code dir} with mode 0700 (or, if it exists and is a directory, tightens it to
     * 0700). Returns true when this call created it, so that the caller knows whether to delete
     * the directory itself on exit or only its own sockets.
     */
    public static boolean create(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            // outside the try below: a parent that is a file must be blamed, not dir
            Files.createDirectories(parent);
        }
        boolean created;
        try {
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

    /**
     * Deletes {@code dir} and everything in it, following no links; a missing directory is not an
     * error, nor is a file that disappears meanwhile (a worker removing its own socket).
     */
    public static void deleteRecursively(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
