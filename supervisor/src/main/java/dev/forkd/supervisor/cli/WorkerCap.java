package dev.forkd.supervisor.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The default --max-workers: 4 × the configured workers, but no more than the machine's memory
 * holds at the worker heap size (so that `scale` cannot ask for workers the machine would swap or
 * OOM-kill for), and never fewer than the configured workers.
 */
final class WorkerCap {
    /** A worker's -Xmx unless --worker-jvm-opt says otherwise (WorkerLauncher's default). */
    static final long DEFAULT_WORKER_HEAP = 128L << 20;
    private static final Pattern XMX = Pattern.compile("-(?:Xmx|XX:MaxHeapSize=)(\\d+)([kKmMgGtT]?)");
    private static final Pattern MEM_TOTAL = Pattern.compile("(?m)^MemTotal:\\s+(\\d+) kB");

    private WorkerCap() {
    }

    static int defaultCap(int workers, long totalMemoryBytes, long workerHeapBytes) {
        long byMemory = totalMemoryBytes > 0 && workerHeapBytes > 0 ? totalMemoryBytes / workerHeapBytes : Long.MAX_VALUE;
        long cap = Math.min(4L * workers, byMemory);
        return (int) Math.max(workers, cap);
    }

    /** The worker heap the options give (the last -Xmx or -XX:MaxHeapSize wins, as in the JVM). */
    static long workerHeap(List<String> workerJvmOptions) {
        long heap = DEFAULT_WORKER_HEAP;
        for (String o : workerJvmOptions) {
            Matcher m = XMX.matcher(o.trim());
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "k" -> 10;
                    case "m" -> 20;
                    case "g" -> 30;
                    case "t" -> 40;
                    default -> 0;
                };
                heap = n << shift;
            }
        }
        return heap;
    }

    /**
     * The memory forkd may use: the JVM's view first (it honours a container's cgroup limit), else
     * /proc/meminfo's MemTotal; 0 if neither tells.
     */
    static long totalMemory() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getTotalMemorySize() > 0) {
            return sun.getTotalMemorySize();
        }
        try {
            return memTotal(Files.readString(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // no /proc: no memory bound, only 4 × workers
            return 0;
        }
    }

    static long memTotal(String meminfo) {
        Matcher m = MEM_TOTAL.matcher(meminfo);
        return m.find() ? Long.parseLong(m.group(1)) * 1024 : 0;
    }
}
