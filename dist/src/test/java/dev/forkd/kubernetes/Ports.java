package dev.forkd.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;

/** Ports as Kubernetes resolves them: a number, or the name of one of the container's ports. */
final class Ports {
    private Ports() {
    }

    /** The container port {@code port} designates, or -1 if it is none of the container's ports. */
    static int containerPort(Container c, IntOrString port) {
        if (port == null) {
            return -1;
        }
        for (ContainerPort p : c.getPorts()) {
            boolean byName = port.getStrVal() != null && port.getStrVal().equals(p.getName());
            boolean byNumber = port.getIntVal() != null && port.getIntVal().equals(p.getContainerPort());
            if (byName || byNumber) {
                return p.getContainerPort();
            }
        }
        return -1;
    }

    /** The container's port called {@code name}, or -1. */
    static int named(Container c, String name) {
        return containerPort(c, new IntOrString(name));
    }
}
