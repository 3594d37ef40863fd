package dev.forkd.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerCapTest {
    private static final long MIB = 1L << 20;

    @Test
    void fourTimesTheWorkersWhenMemoryAllows() {
        assertEquals(16, WorkerCap.defaultCap(4, 64L << 30, 128 * MIB));
    }

    @Test
    void memoryBoundsItButNeverBelowTheWorkers() {
        assertEquals(8, WorkerCap.defaultCap(4, 1024 * MIB, 128 * MIB), "1 GiB holds 8 workers of 128 MiB");
        assertEquals(4, WorkerCap.defaultCap(4, 256 * MIB, 128 * MIB), "the configured workers stay allowed");
        assertEquals(12, WorkerCap.defaultCap(3, 0, 128 * MIB), "unknown memory: only 4 x workers");
    }

    @Test
    void workerHeapFollowsTheLastXmx() {
        assertEquals(128 * MIB, WorkerCap.workerHeap(List.of()));
        assertEquals(64 * MIB, WorkerCap.workerHeap(List.of("-Xmx64m")));
        assertEquals(2L << 30, WorkerCap.workerHeap(List.of("-Xmx64m", "-XX:+UseSerialGC", "-Xmx2G")));
        assertEquals(512 * 1024, WorkerCap.workerHeap(List.of("-XX:MaxHeapSize=512k")));
        assertEquals(128 * MIB, WorkerCap.workerHeap(List.of("-Xms64m")));
    }

    @Test
    void memTotalFromProcMeminfo() {
        assertEquals(24683744L * 1024, WorkerCap.memTotal("MemTotal:       24683744 kB\nMemFree:        22438512 kB\n"));
        assertEquals(0, WorkerCap.memTotal("nothing"));
        assertTrue(WorkerCap.totalMemory() > 0, "this machine says how much memory it has");
    }
}
