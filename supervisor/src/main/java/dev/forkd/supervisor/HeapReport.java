package dev.forkd.supervisor;

import dev.forkd.supervisor.common.MemoryBudget;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Says at start what bounds the supervisor's memory: the heap, the buffer budget, and whether the
 * JVM exits on OutOfMemoryError (forkd cannot set JVM options for itself; its launchers do).
 */
final class HeapReport {
    private static final Logger LOG = LogManager.getLogger(HeapReport.class);

    private HeapReport() {
    }

    static void log(MemoryBudget budget) {
        LOG.info("heap at most {} MiB; relay buffers at most {} MiB (the memory budget)",
                Runtime.getRuntime().maxMemory() >> 20, budget.limit() >> 20);
        if (!exitsOnOutOfMemory()) {
            LOG.warn("the JVM runs without -XX:+ExitOnOutOfMemoryError: on OutOfMemoryError forkd's own handler halts it (exit 70), "
                    + "which works only if the error reaches a thread's end; start it with the flag (scripts/forkd, the unit and the image do)");
        }
    }

    /** True if the JVM itself exits (or crashes) on OutOfMemoryError; false if it does not or nobody can tell. */
    static boolean exitsOnOutOfMemory() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hotspot != null && (flag(hotspot, "ExitOnOutOfMemoryError") || flag(hotspot, "CrashOnOutOfMemoryError"));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // not HotSpot: look at the command line instead
            LOG.debug("no HotSpot diagnostic bean: {}", e.toString());
            return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .anyMatch(a -> a.equals("-XX:+ExitOnOutOfMemoryError") || a.equals("-XX:+CrashOnOutOfMemoryError"));
        }
    }

    private static boolean flag(HotSpotDiagnosticMXBean hotspot, String name) {
        return Boolean.parseBoolean(hotspot.getVMOption(name).getValue());
    }
}
