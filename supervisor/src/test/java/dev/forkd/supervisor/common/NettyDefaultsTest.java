package dev.forkd.supervisor.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NettyDefaultsTest {
    private String cachedBefore;
    private String leakBefore;

    @BeforeEach
    void save() {
        cachedBefore = System.getProperty(NettyDefaults.CACHED_CAPACITY);
        leakBefore = System.getProperty(NettyDefaults.LEAK_DETECTION);
    }

    @AfterEach
    void restore() {
        restore(NettyDefaults.CACHED_CAPACITY, cachedBefore);
        restore(NettyDefaults.LEAK_DETECTION, leakBefore);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void setsTheDataPathsDefaultsWhereNothingIsSet() {
        System.clearProperty(NettyDefaults.CACHED_CAPACITY);
        System.clearProperty(NettyDefaults.LEAK_DETECTION);
        NettyDefaults.apply();
        assertEquals("65536", System.getProperty(NettyDefaults.CACHED_CAPACITY));
        assertEquals("disabled", System.getProperty(NettyDefaults.LEAK_DETECTION));
    }

    @Test
    void leavesWhatTheUserSet() {
        System.setProperty(NettyDefaults.CACHED_CAPACITY, "32768");
        System.setProperty(NettyDefaults.LEAK_DETECTION, "paranoid");
        NettyDefaults.apply();
        assertEquals("32768", System.getProperty(NettyDefaults.CACHED_CAPACITY));
        assertEquals("paranoid", System.getProperty(NettyDefaults.LEAK_DETECTION));
    }
}
