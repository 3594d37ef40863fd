package dev.forkd.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every manifest of one directory, parsed strictly: one Deployment (with one container), one
 * Service, one PodDisruptionBudget and the kustomization.yaml that lists them. Anything that cannot
 * be read as such is a problem, and then there is nothing to check further.
 */
record Manifests(Path dir, Map<String, String> texts, Deployment deployment, Service service, PodDisruptionBudget pdb,
        Kustomization kustomization) {
    static final String KUSTOMIZATION = "kustomization.yaml";
    /** One for all reads: it indexes every model class by kind once, which takes a while. */
    static final StrictKubernetes STRICT = new StrictKubernetes();

    PodSpec pod() {
        return deployment.getSpec().getTemplate().getSpec();
    }

    Container container() {
        return pod().getContainers().get(0);
    }

    /** The manifests, or the problems that kept them from being read (then {@code problems} is not empty). */
    static Manifests read(Path dir, List<String> problems) throws IOException {
        Map<String, String> texts = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList()) {
                texts.put(f.getFileName().toString(), Files.readString(f));
            }
        }
        List<Deployment> deployments = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        List<PodDisruptionBudget> pdbs = new ArrayList<>();
        Kustomization kustomization = null;
        for (String name : texts.keySet()) {
            Path f = dir.resolve(name);
            try {
                if (name.equals(KUSTOMIZATION)) {
                    kustomization = Kustomization.read(f);
                    continue;
                }
                Object o = STRICT.read(f);
                if (o instanceof Deployment d) {
                    deployments.add(d);
                } else if (o instanceof Service s) {
                    services.add(s);
                } else if (o instanceof PodDisruptionBudget p) {
                    pdbs.add(p);
                } else {
                    problems.add(name + ": a " + (o == null ? "empty file" : o.getClass().getSimpleName())
                            + ", which no check here knows (one object per file: Deployment, Service, PodDisruptionBudget)");
                }
            } catch (RuntimeException e) {
                // fabric8 and Jackson report a bad field or value as an unchecked exception; its message names the field
                problems.add("cannot parse " + name + " strictly: " + rootMessage(e));
            }
        }
        one("Deployment", deployments, problems);
        one("Service", services, problems);
        one("PodDisruptionBudget", pdbs, problems);
        if (kustomization == null && !texts.containsKey(KUSTOMIZATION)) {
            problems.add("no " + KUSTOMIZATION);
        }
        if (!problems.isEmpty()) {
            return null;
        }
        Deployment d = deployments.get(0);
        if (d.getSpec() == null || d.getSpec().getTemplate() == null || d.getSpec().getTemplate().getSpec() == null
                || d.getSpec().getTemplate().getSpec().getContainers().size() != 1) {
            problems.add("the Deployment must have a pod template with exactly one container (forkd)");
            return null;
        }
        return new Manifests(dir, texts, d, services.get(0), pdbs.get(0), kustomization);
    }

    private static void one(String kind, List<?> found, List<String> problems) {
        if (found.size() != 1) {
            problems.add("expected exactly one " + kind + ", found " + found.size());
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder why = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank() && !t.getMessage().equals("An error has occurred.")) {
                why.setLength(0);
                // Jackson goes on to list every property the class knows: the first part says what is wrong
                why.append(t.getMessage().lines().findFirst().orElse("").replaceFirst(" \\(\\d+ known properties:.*", ""));
            }
        }
        return why.length() > 0 ? why.toString() : e.toString();
    }
}
