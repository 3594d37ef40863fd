package dev.forkd.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the objects fit together: selectors that pick the pods, the Service on the clients' port,
 * the budget against the replicas, the kustomization against the files, the image and its
 * entrypoint; and one trap of the text itself.
 */
final class WiringChecks {
    /** An integer with a leading zero: octal to YAML 1.1 (kubectl), decimal to YAML 1.2 (this test's parser). */
    private static final Pattern LEADING_ZERO = Pattern.compile("(?m)^[^#\\n]*:\\s+0\\d+\\s*(#.*)?$");

    private WiringChecks() {
    }

    static void check(Manifests m, String version, List<String> problems) throws IOException {
        Map<String, String> podLabels = m.deployment().getSpec().getTemplate().getMetadata().getLabels();
        selects("the Deployment's selector", m.deployment().getSpec().getSelector(), podLabels, problems);
        selects("the PodDisruptionBudget's selector", m.pdb().getSpec().getSelector(), podLabels, problems);
        Map<String, String> service = m.service().getSpec().getSelector();
        if (service == null || service.isEmpty() || !podLabels.entrySet().containsAll(service.entrySet())) {
            problems.add("the Service's selector " + service + " does not match the pod labels " + podLabels);
        }
        Container c = m.container();
        int client = Ports.named(c, "client");
        int admin = Ports.named(c, "admin");
        if (m.service().getSpec().getPorts().isEmpty()) {
            problems.add("the Service has no port");
        }
        for (ServicePort p : m.service().getSpec().getPorts()) {
            int target = Ports.containerPort(c, p.getTargetPort() != null ? p.getTargetPort() : new io.fabric8.kubernetes.api.model.IntOrString(p.getPort()));
            if (target != client) {
                problems.add("the Service's port " + p.getPort() + " targets " + (target < 0 ? "no port of the container" : "port " + target)
                        + (target == admin ? " (the admin port)" : "") + ", not the clients' port " + client);
            }
        }
        int replicas = m.deployment().getSpec().getReplicas() == null ? 1 : m.deployment().getSpec().getReplicas();
        var min = m.pdb().getSpec().getMinAvailable();
        if (min == null || min.getIntVal() == null || min.getIntVal() >= replicas) {
            problems.add("the PodDisruptionBudget's minAvailable " + (min == null ? null : min.getValue())
                    + " must be a number below the replicas (" + replicas + "), or no node could ever be drained");
        }
        String image = "forkd:" + version;
        if (!image.equals(c.getImage())) {
            problems.add("image " + c.getImage() + ", expected " + image + " (scripts/docker/build-image.sh --tag " + image + ")");
        }
        if (!c.getCommand().isEmpty()) {
            problems.add("command is set: it replaces the image's entrypoint and its JVM flags (-XX:+ExitOnOutOfMemoryError -Xmx); give args only");
        }
        kustomization(m, problems);
        for (Map.Entry<String, String> t : m.texts().entrySet()) {
            Matcher z = LEADING_ZERO.matcher(t.getValue());
            if (z.find()) {
                problems.add(t.getKey() + ": '" + z.group().trim() + "': kubectl (YAML 1.1) reads a leading zero as octal, YAML 1.2 as decimal; write it in decimal");
            }
        }
    }

    private static void selects(String what, LabelSelector s, Map<String, String> podLabels, List<String> problems) {
        Map<String, String> match = s == null ? null : s.getMatchLabels();
        if (match == null || match.isEmpty() || !s.getMatchExpressions().isEmpty() || !podLabels.entrySet().containsAll(match.entrySet())) {
            problems.add(what + " " + match + " does not match the pod labels " + podLabels);
        }
    }

    /** Lists exactly the other manifests; its generated Secret's file is kept out of git. */
    private static void kustomization(Manifests m, List<String> problems) throws IOException {
        Set<String> files = new TreeSet<>(m.texts().keySet());
        files.remove(Manifests.KUSTOMIZATION);
        Set<String> listed = new TreeSet<>(m.kustomization().resources() == null ? List.of() : m.kustomization().resources());
        if (!listed.equals(files)) {
            problems.add("kustomization.yaml lists " + listed + ", the directory has " + files);
        }
        Path ignore = m.dir().resolve(".gitignore");
        List<String> ignored = Files.exists(ignore) ? Files.readAllLines(ignore) : List.of();
        if (m.kustomization().secretGenerator() != null) {
            for (var g : m.kustomization().secretGenerator()) {
                for (String f : g.files()) {
                    String source = f.contains("=") ? f.split("=", 2)[1] : f;
                    if (!ignored.contains(source)) {
                        problems.add("the Secret's source file " + source + " is not in " + m.dir().getFileName() + "/.gitignore");
                    }
                }
            }
        }
    }
}
