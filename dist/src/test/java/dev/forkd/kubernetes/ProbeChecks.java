package dev.forkd.kubernetes;

import dev.forkd.supervisor.ServeConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
import java.util.List;

/**
 * The probes and ports against the port forkd listens on and its admin endpoint: each probe is an
 * HTTP GET of the right path on a port of the container that is the admin port, and the admin
 * endpoint is bound to every address of the pod, which is where the kubelet connects.
 */
final class ProbeChecks {
    private ProbeChecks() {
    }

    static void check(Manifests m, ServeConfig config, List<String> problems) {
        Container c = m.container();
        int client = Ports.named(c, "client");
        if (client != config.port()) {
            problems.add("the container port named client (" + client + ") is not the port forkd listens on (--port " + config.port() + ")");
        }
        if (!isWildcard(config.host())) {
            problems.add("forkd listens on " + config.host() + ": only a wildcard address (0.0.0.0 or ::) is reached through the pod's IP");
        }
        if (config.admin() == null) {
            problems.add("no --admin: the probes have no endpoint to ask");
            return;
        }
        int admin = config.admin().getPort();
        if (!config.admin().getAddress().isAnyLocalAddress()) {
            problems.add("--admin " + config.admin().getAddress().getHostAddress() + ":" + admin
                    + ": the kubelet probes the pod's IP, so the admin endpoint must be bound to a wildcard address");
        }
        if (Ports.named(c, "admin") != admin) {
            problems.add("the container port named admin (" + Ports.named(c, "admin") + ") is not forkd's --admin port " + admin);
        }
        probe("startupProbe", c.getStartupProbe(), "/status", c, admin, problems);
        probe("readinessProbe", c.getReadinessProbe(), "/ready", c, admin, problems);
        probe("livenessProbe", c.getLivenessProbe(), "/status", c, admin, problems);
    }

    private static void probe(String which, Probe p, String path, Container c, int admin, List<String> problems) {
        HTTPGetAction get = p == null ? null : p.getHttpGet();
        if (get == null) {
            problems.add(which + ": expected an httpGet of " + path + " on the admin port");
            return;
        }
        if (!path.equals(get.getPath())) {
            problems.add(which + ": path " + get.getPath() + ", expected " + path);
        }
        if (get.getScheme() != null && !get.getScheme().equals("HTTP")) {
            problems.add(which + ": scheme " + get.getScheme() + ": forkd's admin endpoint speaks plain HTTP");
        }
        int port = Ports.containerPort(c, get.getPort());
        if (port < 0) {
            problems.add(which + ": port " + get.getPort().getValue() + " is not a port of the container");
        } else if (port != admin) {
            problems.add(which + ": port " + port + " is not the admin port " + admin);
        }
        if (get.getHost() != null) {
            // the Host header would name it, and forkd refuses a Host that is not its own address
            problems.add(which + ": host " + get.getHost() + " set; leave it out so the kubelet uses the pod's IP");
        }
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }
}
