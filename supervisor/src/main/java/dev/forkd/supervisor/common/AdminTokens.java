package dev.forkd.supervisor.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * Where the admin token lives when forkd makes one itself (no --admin-token-file), so that
 * `forkd reload|scale` run by the same user find it with no flag: one file per admin port in a
 * per-user directory ({@code $XDG_RUNTIME_DIR/forkd}, else {@code <tmpdir>/forkd-admin-<uid>}),
 * and {@code admin.token} in forkd's runtime directory (under the shipped unit /run/forkd, which
 * root reads).
 */
public final class AdminTokens {
    /** The runtime directory's token under the shipped systemd unit (RuntimeDirectory=forkd). */
    public static final Path UNIT_TOKEN = Path.of("/run/forkd/admin.token");
    public static final String RUNTIME_FILE = "admin.token";

    private AdminTokens() {
    }

    /** 32 random bytes, base64url without padding: fit for a header and a file. */
    public static String generate() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static Path perUserDir(Map<String, String> env, String tmpdir, int uid) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "forkd");
        }
        return Path.of(tmpdir, "forkd-admin-" + uid);
    }

    public static Path perUserFile(Path perUserDir, int port) {
        return perUserDir.resolve("admin-" + port + ".token");
    }

    /** The effective uid of this process: the owner of /proc/self. */
    public static int selfUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /**
     * The CLI's lookup when no --admin-token-file is given: the per-user file for {@code port},
     * then the shipped unit's; null if neither can be read.
     */
    public static Path find(int port, Map<String, String> env, String tmpdir, int uid, Path unitToken) {
        Path dir = perUserDir(env, tmpdir, uid);
        Path mine = perUserFile(dir, port);
        // a directory someone else made (squatting /tmp/forkd-admin-UID) holds nothing of forkd's
        if (ownedBy(dir, uid) && Files.isRegularFile(mine, LinkOption.NOFOLLOW_LINKS) && Files.isReadable(mine)) {
            return mine;
        }
        if (Files.isRegularFile(unitToken, LinkOption.NOFOLLOW_LINKS) && Files.isReadable(unitToken)) {
            return unitToken;
        }
        return null;
    }

    private static boolean ownedBy(Path dir, int uid) {
        try {
            return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS) == uid;
        } catch (IOException e) {
            // cannot tell: not ours
            return false;
        }
    }

    /** The token file holds one line; surrounding white space is not part of the token. */
    public static byte[] readToken(Path file) throws IOException {
        String t = Files.readString(file, java.nio.charset.StandardCharsets.UTF_8).trim();
        if (t.isEmpty()) {
            throw new IOException("the admin token file " + file + " is empty");
        }
        return t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
