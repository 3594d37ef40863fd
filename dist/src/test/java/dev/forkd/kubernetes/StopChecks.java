package dev.forkd.kubernetes;

import dev.forkd.supervisor.ServeConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import java.util.List;

/**
 * A pod's stop: the preStop sleep, then TERM, then forkd's drain (--graceful-timeout), then its
 * workers' stop; terminationGracePeriodSeconds, counted from the start of preStop, must cover all
 * three, or the kubelet KILLs connections forkd was still draining.
 */
final class StopChecks {
    /**
     * After the drain, workers get 2 s to exit, then TERM and 3 s, then KILL and 2 s
     * (WorkerShutdown), and the supervisor's JVM exits: 10 s covers it.
     */
    static final long AFTER_DRAIN_SECONDS = 10;

    private StopChecks() {
    }

    static void check(Manifests m, ServeConfig config, List<String> problems) {
        Container c = m.container();
        long preStop = preStopSeconds(c, problems);
        if (preStop < 0) {
            return;
        }
        Long grace = m.pod().getTerminationGracePeriodSeconds();
        // --shutdown-delay (accepting on after TERM while /ready says 503) does what the preStop
        // sleep does; a manifest may use either or both, and the grace period must cover both
        long delay = config.shutdownDelay().toSeconds();
        long needed = preStop + delay + config.gracefulTimeout().toSeconds() + AFTER_DRAIN_SECONDS;
        if (grace == null || grace < needed) {
            problems.add("terminationGracePeriodSeconds " + grace + " < preStop " + preStop + " s + --shutdown-delay " + delay
                    + " s + --graceful-timeout " + config.gracefulTimeout().toSeconds() + " s + " + AFTER_DRAIN_SECONDS
                    + " s for the workers' stop = " + needed);
        }
        if (preStop < 1) {
            problems.add("preStop sleeps " + preStop + " s: the endpoints need a few seconds to drop the pod before forkd stops accepting");
        }
    }

    /** The preStop hook's sleep: Kubernetes' sleep action, or an exec of sleep N; -1 (and a problem) otherwise. */
    static long preStopSeconds(Container c, List<String> problems) {
        LifecycleHandler h = c.getLifecycle() == null ? null : c.getLifecycle().getPreStop();
        if (h != null && h.getSleep() != null && h.getSleep().getSeconds() != null) {
            return h.getSleep().getSeconds();
        }
        if (h != null && h.getExec() != null) {
            List<String> cmd = h.getExec().getCommand();
            if (cmd.size() == 2 && cmd.get(0).matches("(/usr)?(/bin/)?sleep") && cmd.get(1).matches("\\d+")) {
                return Long.parseLong(cmd.get(1));
            }
        }
        problems.add("preStop: expected a sleep (sleep.seconds, or exec [sleep, N]) that gives the endpoints time to drop the pod");
        return -1;
    }
}
