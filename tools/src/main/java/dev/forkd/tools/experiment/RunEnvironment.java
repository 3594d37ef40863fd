package dev.forkd.tools.experiment;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Locale;

/** What produced a report: forkd's version, the JVM, and the machine, so that its figures can be compared with another's. */
public record RunEnvironment(String forkdVersion, String vmName, String vmVersion, String os, int cores, long memoryBytes) {
    static RunEnvironment current(String forkdVersion) {
        long memory = -1;
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            memory = sun.getTotalMemorySize();
        }
        return new RunEnvironment(forkdVersion, System.getProperty("java.vm.name"), System.getProperty("java.vm.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), memory);
    }

    /** One line: "forkd 0.1.0, OpenJDK 64-Bit Server VM 17.0.9+9, Linux 6.1 amd64, 2 cores, 7.8 GiB memory". */
    public String describe() {
        return String.format(Locale.ROOT, "forkd %s, %s %s, %s, %d core(s), %s memory", forkdVersion, vmName, vmVersion, os, cores,
                memoryBytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", memoryBytes / (1024.0 * 1024 * 1024)));
    }
}
