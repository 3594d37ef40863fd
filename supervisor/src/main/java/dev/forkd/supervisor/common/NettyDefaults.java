package dev.forkd.supervisor.common;

/**
 * Netty settings the data path wants, applied before Netty's classes read them (they are read
 * once, when a class is first loaded), each only where the user has not set it:
 * <ul>
 * <li>the pooled allocator's per-thread cache keeps buffers up to one relay chunk (64 KiB;
 * Netty's default is 32 KiB): each read takes a chunk-sized buffer, which otherwise goes to the
 * shared arena under its lock and splits and merges a pool chunk on every read (profiled: 1–2% of
 * the keep-alive CPU, plus the lock);</li>
 * <li>leak detection off: its sampling builds a stack trace for one buffer in 128 (profiled: 1–2%
 * of the keep-alive CPU); the relay's buffers are accounted by the memory budget instead, and a
 * test or a debugging session turns it on with {@code -Dio.netty.leakDetection.level}.</li>
 * </ul>
 */
public final class NettyDefaults {
    static final String CACHED_CAPACITY = "io.netty.allocator.maxCachedBufferCapacity";
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    private NettyDefaults() {
    }

    /** Call first thing in main, before any Netty class loads. */
    public static void apply() {
        setIfAbsent(CACHED_CAPACITY, Integer.toString(64 * 1024));
        setIfAbsent(LEAK_DETECTION, "disabled");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
