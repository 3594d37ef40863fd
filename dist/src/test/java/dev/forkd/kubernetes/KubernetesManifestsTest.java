package dev.forkd.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * scripts/kubernetes parsed into fabric8's typed Kubernetes model (unknown fields fail) and checked
 * against forkd's real command line and the Dockerfile; then, for each check, a copy of the
 * manifests broken in one place, which that check must catch.
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of(System.getProperty("forkd.kubernetes.dir", "../scripts/kubernetes"));
    private static final Path DOCKERFILE = Path.of(System.getProperty("forkd.dockerfile", "../scripts/docker/Dockerfile"));
    private static final String VERSION = System.getProperty("forkd.version");

    @Test
    void theManifestsParseStrictlyAndAgreeWithForkdAndTheImage() throws IOException {
        assertTrue(VERSION != null && !VERSION.isBlank(), "-Dforkd.version (the pom sets it)");
        List<String> problems = ManifestCheck.problems(DIR, DOCKERFILE, VERSION);
        assertEquals(List.of(), problems);
    }

    @Test
    void theMemoryLimitIsTheSumWrittenInTheDeployment() {
        // deployment.yaml's comment: 480 + 5 x 192 + 96 = 1536 MiB
        assertEquals(1536 * MemorySizing.MIB, MemorySizing.required(256 * MemorySizing.MIB, 128 * MemorySizing.MIB, 4));
    }

    static Stream<Arguments> breakages() {
        return Stream.of(
                // strict parsing
                broken("deployment.yaml", "automountServiceAccountToken: false", "automountServiceAcountToken: false",
                        "Unrecognized property \"automountServiceAcountToken\""),
                broken("deployment.yaml", "              path: /ready", "              pth: /ready", "Unrecognized property \"pth\""),
                broken("deployment.yaml", "  replicas: 2", "  replicas: two", "cannot parse deployment.yaml"),
                broken("service.yaml", "  type: ClusterIP", "  type: ClusterIP\n  additionalProperties: {}", "cannot parse service.yaml strictly"),
                broken("kustomization.yaml", "resources:", "bases: []\nresources:", "cannot parse kustomization.yaml"),
                // probes and ports
                broken("deployment.yaml", "              path: /ready\n              port: admin", "              path: /ready\n              port: adm",
                        "readinessProbe: port adm is not a port of the container"),
                broken("deployment.yaml", "              path: /ready\n              port: admin", "              path: /ready\n              port: client",
                        "readinessProbe: port 8888 is not the admin port 9901"),
                broken("deployment.yaml", "          livenessProbe:\n            httpGet:\n              path: /status",
                        "          livenessProbe:\n            httpGet:\n              path: /metrics", "livenessProbe: path /metrics, expected /status"),
                broken("deployment.yaml", "            - 0.0.0.0:9901", "            - 127.0.0.1:9901", "must be bound to a wildcard address"),
                broken("deployment.yaml", "              containerPort: 8888", "              containerPort: 8080", "is not the port forkd listens on"),
                // the args, through forkd's own command line
                broken("deployment.yaml", "            - --graceful-timeout\n", "            - --graceful-timeoutt\n",
                        "forkd serve refuses the args: Unknown options: '--graceful-timeoutt'"),
                broken("deployment.yaml", "            - --max-workers\n            - \"4\"", "            - --max-workers\n            - \"2\"",
                        "--max-workers must be at least the worker count"),
                broken("deployment.yaml", "          args:\n", "          command:\n            - java\n          args:\n", "command is set"),
                // the stop
                broken("deployment.yaml", "terminationGracePeriodSeconds: 50", "terminationGracePeriodSeconds: 49",
                        "terminationGracePeriodSeconds 49 < preStop 10 s + --shutdown-delay 0 s + --graceful-timeout 30 s + 10 s"),
                broken("deployment.yaml", "            - 30s\n", "            - 45s\n", "--graceful-timeout 45 s"),
                broken("deployment.yaml", "            - --graceful-timeout\n", "            - --shutdown-delay\n            - 5s\n            - --graceful-timeout\n",
                        "--shutdown-delay 5 s"),
                broken("deployment.yaml", "                seconds: 10", "                seconds: 20", "preStop 20 s"),
                broken("deployment.yaml", "            preStop:\n              sleep:\n                seconds: 10",
                        "            preStop:\n              exec:\n                command: [/bin/sh, -c, \"true\"]", "preStop: expected a sleep"),
                // memory
                broken("deployment.yaml", "            limits:\n              cpu: \"2\"\n              memory: 1536Mi",
                        "            limits:\n              cpu: \"2\"\n              memory: 1535Mi", "memory limit 1535Mi = 1535 MiB < 1536 MiB"),
                broken("deployment.yaml", "            - --max-workers\n            - \"4\"", "            - --max-workers\n            - \"5\"", "< 1728 MiB"),
                broken("deployment.yaml", "- --worker-jvm-opt=-Xmx128m", "- --worker-jvm-opt=-Xmx160m", "< 1696 MiB"),
                broken("deployment.yaml", "          env:\n", "          env:\n            - name: FORKD_JAVA_OPTS\n              value: -Xmx512m\n",
                        "supervisor 512 heap"),
                broken("deployment.yaml", "            - --worker-jvm-opt=-Xmx128m\n", "", "give the workers' heap"),
                broken("deployment.yaml", "            - --max-workers\n            - \"4\"\n", "", "give --max-workers"),
                broken("deployment.yaml", "            requests:\n              cpu: \"1\"\n              memory: 1536Mi",
                        "            requests:\n              cpu: \"1\"\n              memory: 512Mi", "memory request 512Mi is not the limit"),
                // the token Secret
                broken("deployment.yaml", "secretName: forkd-admin-token", "secretName: forkd-token",
                        "secretName forkd-token is not the Secret kustomization.yaml generates (forkd-admin-token)"),
                broken("deployment.yaml", "              - key: token", "              - key: admin-token", "no item of the token Secret"),
                broken("deployment.yaml", "            - /etc/forkd/admin/token", "            - /etc/forkd/token",
                        "--admin-token-file /etc/forkd/token is not in a directory where a Secret is mounted"),
                broken("deployment.yaml", "defaultMode: 288", "defaultMode: 292", "the token file's mode 0444"),
                broken("deployment.yaml", "        fsGroup: 10001\n", "", "the token file's mode 0440"),
                broken("deployment.yaml", "defaultMode: 288", "defaultMode: 0440", "kubectl (YAML 1.1) reads a leading zero as octal"),
                broken("kustomization.yaml", "      - token=admin.token", "      - token=token.txt", "token.txt is not in kubernetes/.gitignore"),
                // user and file system
                broken("deployment.yaml", "        runAsUser: 10001", "        runAsUser: 1000", "runAsUser 1000 is not the image's forkd user, FORKD_UID 10001"),
                broken("deployment.yaml", "        runAsNonRoot: true", "        runAsNonRoot: false", "runAsNonRoot is not true"),
                broken("deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem is not true"),
                broken("deployment.yaml", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation is not false"),
                broken("deployment.yaml", "                - ALL", "                - NET_RAW", "capabilities: expected drop [ALL]"),
                broken("deployment.yaml", "              mountPath: /tmp", "              mountPath: /scratch", "/tmp is not an emptyDir mount"),
                broken("deployment.yaml", "              value: /var/cache/forkd/archive", "              value: /var/cache/forkd",
                        "FORKD_CACHE_DIR /var/cache/forkd is not a directory below an emptyDir mount"),
                // wiring
                broken("service.yaml", "  selector:\n    app.kubernetes.io/name: forkd", "  selector:\n    app.kubernetes.io/name: forkdd",
                        "the Service's selector"),
                broken("service.yaml", "      targetPort: client", "      targetPort: admin", "targets port 9901 (the admin port)"),
                broken("pdb.yaml", "  minAvailable: 1", "  minAvailable: 2", "minAvailable 2 must be a number below the replicas (2)"),
                broken("pdb.yaml", "    matchLabels:\n      app.kubernetes.io/name: forkd", "    matchLabels:\n      app.kubernetes.io/name: other",
                        "the PodDisruptionBudget's selector"),
                broken("deployment.yaml", "          image: forkd:", "          image: forkd:latest #", "expected forkd:"),
                broken("kustomization.yaml", "  - pdb.yaml\n", "", "kustomization.yaml lists [deployment.yaml, service.yaml]"));
    }

    private static Arguments broken(String file, String from, String to, String expected) {
        return Arguments.of(file, from, to, expected);
    }

    @ParameterizedTest(name = "[{index}] {0}: {3}")
    @MethodSource("breakages")
    void eachCheckCatchesItsBreakage(String file, String from, String to, String expected, @TempDir Path tmp) throws IOException {
        Path copy = tmp.resolve("kubernetes");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        String text = Files.readString(copy.resolve(file));
        int at = text.indexOf(from);
        assertTrue(at >= 0 && text.indexOf(from, at + 1) < 0, "the breakage must change exactly one place of " + file + ": " + from);
        Files.writeString(copy.resolve(file), text.replace(from, to));

        List<String> problems = ManifestCheck.problems(copy, DOCKERFILE, VERSION);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), "expected a problem containing '" + expected + "', got " + problems);
    }
}
