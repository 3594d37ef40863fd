package dev.forkd.supervisor.admin;

import dev.forkd.supervisor.common.AdminTokens;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Writes forkd's own admin token where {@link AdminTokens} says, and removes it on exit. Each file
 * is created exclusively (never following a link) with mode 0600; the per-user directory is used
 * only if it is a real directory, ours, with mode 0700, so that another user cannot read the token
 * or plant a file for forkd to trust.
 */
final class AdminTokenFiles implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(AdminTokenFiles.class);
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

    private final List<Path> written = new ArrayList<>();

    private AdminTokenFiles() {
    }

    /** Writes {@code token} into the runtime directory and the per-user directory for {@code port}; logs where. */
    static AdminTokenFiles publish(String token, Path runtimeDir, int port, Map<String, String> env, String tmpdir) {
        AdminTokenFiles files = new AdminTokenFiles();
        int uid;
        try {
            uid = AdminTokens.selfUid();
        } catch (IOException e) {
            LOG.error("admin token: cannot tell which user forkd runs as ({}); the token goes to the runtime directory only", e.toString());
            uid = -1;
        }
        files.write(runtimeDir.resolve(AdminTokens.RUNTIME_FILE), token);
        if (uid >= 0) {
            Path dir = AdminTokens.perUserDir(env, tmpdir, uid);
            String why = ensurePrivateDir(dir, uid);
            if (why == null) {
                files.write(AdminTokens.perUserFile(dir, port), token);
            } else {
                LOG.error("admin token: not writing into {}: {}; `forkd reload|scale` need --admin-token-file {}", dir, why,
                        runtimeDir.resolve(AdminTokens.RUNTIME_FILE));
            }
        }
        if (files.written.isEmpty()) {
            LOG.error("admin token: written nowhere; the /workers endpoints cannot be used (give --admin-token-file)");
        } else {
            LOG.info("admin token (for POST /workers/...) written to {}", files.written);
        }
        return files;
    }

    /** Creates {@code dir} 0700 if absent; null if it is fit for the token, else why not. */
    static String ensurePrivateDir(Path dir, int uid) {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (FileAlreadyExistsException e) {
            // ours from an earlier run, or someone else's: the checks below tell
            LOG.debug("admin token: {} exists", dir);
        } catch (IOException e) {
            return "cannot create it: " + e;
        }
        try {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory()) {
                return a.isSymbolicLink() ? "it is a symbolic link" : "it is not a directory";
            }
            if (owner != uid) {
                return "it belongs to uid " + owner + ", not to forkd's uid " + uid;
            }
            if (!a.permissions().equals(DIR_MODE)) {
                return "its mode is " + PosixFilePermissions.toString(a.permissions()) + ", not rwx------";
            }
            return null;
        } catch (IOException e) {
            return "cannot inspect it: " + e;
        }
    }

    /** Exclusive creation; a leftover of ours (a forkd killed with KILL on the same port) is replaced. */
    private void write(Path file, String token) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try (SeekableByteChannel ch = Files.newByteChannel(file,
                    Set.<java.nio.file.OpenOption>of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(FILE_MODE))) {
                ch.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
                written.add(file);
                return;
            } catch (FileAlreadyExistsException e) {
                // only in a directory checked to be ours (0700), so nobody else put it there
                try {
                    Files.delete(file);
                    LOG.info("admin token: replaced a leftover {}", file);
                } catch (IOException d) {
                    LOG.error("admin token: cannot replace the leftover {}: {}", file, d.toString());
                    return;
                }
            } catch (IOException e) {
                LOG.error("admin token: cannot write {}: {}", file, e.toString());
                return;
            }
        }
    }

    List<Path> written() {
        return List.copyOf(written);
    }

    @Override
    public void close() {
        for (Path f : written) {
            try {
                Files.delete(f);
            } catch (NoSuchFileException e) {
                // a tmp cleaner or the runtime directory's removal got there first
                LOG.debug("admin token: {} already gone", f);
            } catch (IOException e) {
                LOG.warn("admin token: cannot remove {}: {}", f, e.toString());
            }
        }
        written.clear();
    }
}
