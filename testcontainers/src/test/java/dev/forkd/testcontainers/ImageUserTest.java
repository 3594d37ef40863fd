package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ImageUserTest {
    @Test
    void numericUsersAreTakenAsTheyAre() {
        assertEquals(new ImageUser(10001, 10001), ImageUser.parse("10001:10001"));
        assertEquals(new ImageUser(10001, 10001), ImageUser.parse("10001"));
        assertEquals(new ImageUser(1000, 50), ImageUser.parse("1000:50"));
        assertEquals(new ImageUser(1000, 1000), ImageUser.parse("1000:staff"));
    }

    @Test
    void noUserIsRootAndANameCannotBeResolved() {
        assertEquals(ImageUser.ROOT, ImageUser.parse(""));
        assertEquals(ImageUser.ROOT, ImageUser.parse(null));
        assertEquals(ImageUser.ROOT, ImageUser.parse("root"));
        assertNull(ImageUser.parse("forkd"));
        assertNull(ImageUser.parse("forkd:forkd"));
        assertNull(ImageUser.parse("99999999999"));
    }
}
