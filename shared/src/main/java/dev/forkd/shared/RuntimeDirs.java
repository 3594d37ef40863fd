package dev.forkd.shared;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where the worker and control sockets live: a private directory (0700) chosen as DESIGN.md says:
 * {@code --runtime-dir}, else {@code $RUNTIME_DIRECTORY}, else {@code $XDG_RUNTIME_DIR/forkd-<pid>},
 * else a fresh {@code /tmp/forkd-<pid>-<random>}.
 *
 * <p>The directory is made with an exclusive {@code mkdir} and then looked at without following
 * links: in a world-writable parent such as /tmp another user can create the path first (as a
 * directory or a symlink), and a directory someone else made is never chmodded or used.
 */
public final class RuntimeDirs {
    public static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-------");
    /** In a holder: workers use this class for its modes and names, and must not pay for seeding a SecureRandom at boot. */
    private static final class Random {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    /** The path is there but not ours to use: a symlink, not a directory, or another user's. */
    public static final class NotOurs extends IOException {
        private static final long serialVersionUID = 1L;

        NotOurs(String message) {
            super(message);
        }
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
        return Path.of(System.getProperty("java.io.tmpdir"), "forkd-" + pid + "-" + random());
    }

    /** True when the directory was given (--runtime-dir, systemd's RuntimeDirectory) rather than chosen by forkd. */
    public static boolean given(Path explicit, Map<String, String> env) {
        String systemd = env.get("RUNTIME_DIRECTORY");
        return explicit != null || (systemd != null && !systemd.isBlank());
    }

    /** A new name beside {@code dir}, {@code forkd-<pid>-<random>}, for when {@code dir}'s path is taken. */
    public static Path fresh(Path dir, long pid) {
        return dir.toAbsolutePath().resolveSibling("forkd-" + pid + "-" + random());
    }

    private static String random() {
        return Long.toUnsignedString(Random.INSTANCE.nextLong(), 36);
    }

    /**
     * Creates {@code dir} (mode 0700) with a {@code mkdir} that fails if anything is at the path,
     * then checks what it made without following links. Returns the directory's identity
     * ({@link BasicFileAttributes#fileKey()}) for {@link #isSame}.
     *
     * @throws FileAlreadyExistsException if the path exists, whatever it is
     */
    public static Object createExclusive(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            // outside the mkdir below: a parent that is a file must be blamed, not dir
            Files.createDirectories(parent);
        }
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        // the umask may have narrowed the mode
        return adopt(dir);
    }

    /**
     * Takes an existing directory into use: it must be a real directory (not a symlink) owned by
     * this process's user; only then is its mode tightened to 0700, through the opened directory
     * itself so that a path swapped meanwhile cannot redirect the chmod. Returns its identity.
     *
     * @throws NotOurs if it is a symlink, not a directory, or another user's
     */
    public static Object adopt(Path dir) throws IOException {
        BasicFileAttributes seen = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (seen.isSymbolicLink()) {
            throw new NotOurs(dir + " is a symbolic link; a runtime directory must be a real directory");
        }
        if (!seen.isDirectory()) {
            throw new NotOurs(dir + " exists and is not a directory");
        }
        int owner = uid(dir);
        int self = selfUid();
        if (owner != self) {
            throw new NotOurs(dir + " is owned by uid " + owner + ", not by this user (uid " + self + ")");
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            if (!(ds instanceof SecureDirectoryStream)) {
                // not on Linux: the lstat above is all the check there is
                Files.setPosixFilePermissions(dir, DIR_MODE);
                return seen.fileKey();
            }
            PosixFileAttributeView view = ((SecureDirectoryStream<Path>) ds).getFileAttributeView(PosixFileAttributeView.class);
            BasicFileAttributes opened = view.readAttributes();
            if (!Objects.equals(opened.fileKey(), seen.fileKey())) {
                throw new NotOurs(dir + " was replaced while it was being checked");
            }
            if (!view.readAttributes().permissions().equals(DIR_MODE)) {
                view.setPermissions(DIR_MODE);
            }
        }
        return seen.fileKey();
    }

    /** True if {@code dir} is, without following links, the directory whose identity is {@code key}. */
    public static boolean isSame(Path dir, Object key) {
        try {
            BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isDirectory() && key != null && key.equals(a.fileKey());
        } catch (IOException e) {
            // gone or unreadable: either way not the directory we made
            return false;
        }
    }

    /** The owner of {@code p} itself (a link is not followed). */
    public static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** This process's effective uid: the owner of /proc/self. */
    public static int selfUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    public static Path workerSocket(Path dir, int workerId) {
        return dir.resolve("worker-" + workerId + ".sock");
    }

    public static Path controlSocket(Path dir) {
        return dir.resolve("control.sock");
    }

    /** The publish/subscribe broker's socket: beside the control socket, so a worker finds it from that path. */
    public static Path brokerSocket(Path dir) {
        return dir.resolve("broker.sock");
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
