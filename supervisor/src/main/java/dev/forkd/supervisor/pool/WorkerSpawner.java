package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.rundir.RuntimeDirectory;

import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

/** Makes the next worker: its id, socket, pool slot, recycle limit and proofs; the launcher starts it. On the pool thread. */
final class WorkerSpawner {
    /** Builds a worker's {@link SlotProofs}. */
    interface Proofs {
        SlotProofs of(WorkerProcess w);
    }

    private final RuntimeDirectory runtimeDir;
    private final WorkerPool.Launcher launcher;
    private final PoolSettings settings;
    private final Proofs proofs;
    private int nextId = 1;

    WorkerSpawner(RuntimeDirectory runtimeDir, WorkerPool.Launcher launcher, PoolSettings settings, Proofs proofs) {
        this.runtimeDir = runtimeDir;
        this.launcher = launcher;
        this.settings = settings;
        this.proofs = proofs;
    }

    /** A new worker of reload generation {@code generation}, in the lowest slot none of {@code others} holds. */
    WorkerProcess next(Collection<WorkerProcess> others, int generation) {
        int id = nextId++;
        WorkerProcess w = new WorkerProcess(id, runtimeDir.workerSocket(id), settings.connectionsPerWorker(), assignmentLimit());
        w.slot = freeSlot(others);
        w.generation = generation;
        w.proofs = proofs.of(w);
        return w;
    }

    void launch(WorkerProcess w, IntConsumer onExit) throws IOException {
        launcher.launch(w, onExit);
    }

    /** The lowest pool position no worker holds: a replacement takes its predecessor's, so restarts count per position. */
    static int freeSlot(Collection<WorkerProcess> workers) {
        Set<Integer> used = new HashSet<>();
        for (WorkerProcess w : workers) {
            if (w.holdsSlot()) {
                used.add(w.slot);
            }
        }
        int slot = 1;
        while (used.contains(slot)) {
            slot++;
        }
        return slot;
    }

    /** --recycle-after plus up to --recycle-jitter, so that workers started together are not recycled together. */
    private long assignmentLimit() {
        if (settings.recycleAfter() <= 0) {
            return Long.MAX_VALUE;
        }
        long jitter = settings.recycleJitter() > 0 ? ThreadLocalRandom.current().nextLong(settings.recycleJitter() + 1) : 0;
        return settings.recycleAfter() + jitter;
    }
}
