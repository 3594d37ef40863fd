package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.testcontainers.images.builder.Transferable;

class AdminTokenTest {

    @Test
    void aTokenIs256RandomBitsInBase64Url() {
        AdminToken a = AdminToken.generate();
        AdminToken b = AdminToken.generate();
        assertTrue(a.value().matches("[A-Za-z0-9_-]{43}"), a.value());
        assertNotEquals(a.value(), b.value());
    }

    @Test
    void theTokenIsInNoTextMadeForALog() {
        AdminToken t = AdminToken.generate();
        Transferable file = t.file(10001, 10001);
        assertEquals("AdminToken[redacted]", t.toString());
        assertFalse(file.getDescription().contains(t.value()), file.getDescription());
        assertFalse(file.toString().contains(t.value()), file.toString());
    }

    /** The copy into the container is a tar: the entry must be forkd's user's at 0400, or forkd could not read it. */
    @Test
    void theFileIsCopiedInOwnedByForkdsUserWithMode0400() throws Exception {
        AdminToken t = AdminToken.generate();
        Transferable file = t.file(10001, 10002);
        assertEquals(0400, file.getFileMode());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            file.transferTo(tar, "opt/forkd/testcontainers/admin.token");
        }
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            TarArchiveEntry e = in.getNextTarEntry();
            assertEquals("opt/forkd/testcontainers/admin.token", e.getName());
            assertEquals(0400, e.getMode() & 07777);
            assertEquals(10001, e.getLongUserId());
            assertEquals(10002, e.getLongGroupId());
            assertEquals(t.value() + "\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            assertNull(in.getNextTarEntry());
        }
    }
}
