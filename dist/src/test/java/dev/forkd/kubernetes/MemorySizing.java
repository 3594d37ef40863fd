package dev.forkd.kubernetes;

import dev.forkd.supervisor.ServeConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/**
 * The pod's memory, worst case: every heap full. The same sum is written out in deployment.yaml;
 * the non-heap figures are the estimates stated there.
 */
final class MemorySizing {
    static final long MIB = 1L << 20;
    /** Metaspace, code cache, thread stacks and GC of the supervisor's JVM. */
    static final long SUPERVISOR_NON_HEAP = 96 * MIB;
    /** Of a worker's JVM (a worker measures 40-52 MiB RSS in all, the heap it uses and C2's code included). */
    static final long WORKER_NON_HEAP = 64 * MIB;
    /** One `forkd status|reload` JVM run in the container with kubectl exec. */
    static final long CLI_JVM = 96 * MIB;
    /** Workers beyond --max-workers for a while: the class-data archive's training run, or a reload's replacement. */
    static final int TRANSIENT_WORKERS = 1;

    private MemorySizing() {
    }

    /**
     * The supervisor's direct buffers: the relay's memory budget is 2/5 of the heap; the pool's
     * chunks and one read per event loop over it are taken as another tenth (half the heap in all).
     */
    static long supervisorDirect(long heap) {
        return heap / 2;
    }

    static long required(long supervisorHeap, long workerHeap, int workers) {
        long supervisor = supervisorHeap + supervisorDirect(supervisorHeap) + SUPERVISOR_NON_HEAP;
        long worker = workerHeap + WORKER_NON_HEAP;
        return supervisor + (long) (workers + TRANSIENT_WORKERS) * worker + CLI_JVM;
    }

    static void check(Manifests m, ServeConfig config, DockerfileFacts image, List<String> problems) {
        Container c = m.container();
        long supervisorHeap = image.supervisorHeapBytes();
        for (EnvVar e : c.getEnv()) {
            // the entrypoint puts $FORKD_JAVA_OPTS after its own -Xmx: a later one wins
            if (e.getName().equals("FORKD_JAVA_OPTS") && e.getValue() != null && JvmHeap.lastXmx(e.getValue()) > 0) {
                supervisorHeap = JvmHeap.lastXmx(e.getValue());
            }
        }
        long workerHeap = JvmHeap.lastXmx(config.workerJvmOptions());
        if (workerHeap < 0) {
            problems.add("give the workers' heap in the args (--worker-jvm-opt=-Xmx...), so that the memory limit's sum can be checked");
            return;
        }
        if (c.getArgs().stream().noneMatch(a -> a.equals("--max-workers") || a.startsWith("--max-workers="))) {
            // its default is 4 x --workers, or what the pod's limit holds at the worker heap: past the sum below
            problems.add("give --max-workers: without it `forkd scale` may add workers the memory limit was not sized for");
            return;
        }
        int workers = Math.max(config.workers(), config.maxWorkers());
        long needed = required(supervisorHeap, workerHeap, workers);
        Map<String, Quantity> limits = c.getResources() == null ? Map.of() : c.getResources().getLimits();
        Map<String, Quantity> requests = c.getResources() == null ? Map.of() : c.getResources().getRequests();
        Quantity limit = limits.get("memory");
        if (limit == null) {
            problems.add("no memory limit (the workers' heaps need " + needed / MIB + " MiB)");
            return;
        }
        long limitBytes = limit.getNumericalAmount().longValueExact();
        if (limitBytes < needed) {
            problems.add("memory limit " + limit + " = " + limitBytes / MIB + " MiB < " + needed / MIB + " MiB: supervisor "
                    + supervisorHeap / MIB + " heap + " + supervisorDirect(supervisorHeap) / MIB + " direct + " + SUPERVISOR_NON_HEAP / MIB
                    + " non-heap, " + (workers + TRANSIENT_WORKERS) + " workers x (" + workerHeap / MIB + " heap + " + WORKER_NON_HEAP / MIB
                    + " non-heap), " + CLI_JVM / MIB + " for a CLI JVM");
        }
        Quantity request = requests.get("memory");
        if (request == null || request.getNumericalAmount().compareTo(limit.getNumericalAmount()) != 0) {
            problems.add("memory request " + request + " is not the limit " + limit
                    + ": a pod above its request is the first a node under memory pressure evicts");
        }
    }
}
