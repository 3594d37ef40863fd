package dev.forkd.testcontainers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.testcontainers.images.builder.Transferable;

/**
 * The admin token of one container: 256 random bits, made here, given to forkd with
 * {@code --admin-token-file} and sent on every POST. The file is copied in owned by forkd's user
 * with mode 0400 (forkd only reads it; nobody else in the container needs to). The token is never
 * in a log line, a description or {@link #toString()}.
 */
final class AdminToken {
    /** Owner read only. */
    static final int FILE_MODE = 0400;

    private final String value;

    private AdminToken(String value) {
        this.value = value;
    }

    /** 32 random bytes, base64url without padding, as forkd makes its own. */
    static AdminToken generate() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return new AdminToken(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
    }

    String value() {
        return value;
    }

    /** The file's content, owned by {@code uid:gid} in the container. */
    Transferable file(int uid, int gid) {
        byte[] bytes = (value + "\n").getBytes(StandardCharsets.US_ASCII);
        return new Transferable() {
            @Override
            public long getSize() {
                return bytes.length;
            }

            @Override
            public byte[] getBytes() {
                return bytes.clone();
            }

            @Override
            public int getFileMode() {
                return FILE_MODE;
            }

            @Override
            public String getDescription() {
                // Testcontainers logs descriptions of what it copies
                return "forkd admin token (" + bytes.length + " bytes, mode 0400, uid " + uid + ")";
            }

            /** As Transferable's own, plus the owner: its default leaves uid 0, which forkd's user could not read at 0400. */
            @Override
            public void transferTo(TarArchiveOutputStream tar, String destination) {
                TarArchiveEntry entry = new TarArchiveEntry(destination);
                entry.setSize(bytes.length);
                entry.setMode(FILE_MODE);
                entry.setIds(uid, gid);
                try {
                    tar.putArchiveEntry(entry);
                    tar.write(bytes);
                    tar.closeArchiveEntry();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the admin token into the copy for the container", e);
                }
            }
        };
    }

    @Override
    public String toString() {
        return "AdminToken[redacted]";
    }
}
