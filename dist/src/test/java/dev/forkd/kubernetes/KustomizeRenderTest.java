package dev.forkd.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `kubectl apply -k scripts/kubernetes/` would send, rendered by the real kustomize
 * (`kubectl kustomize`, which needs no cluster): the Secret it generates from admin.token carries
 * the token under the key the Deployment mounts, and the Deployment names that Secret by its
 * generated name (with the hash of the token), so that a new token rolls the pods. Skipped, with
 * the reason, where there is no kubectl.
 */
class KustomizeRenderTest {
    private static final Path DIR = Path.of(System.getProperty("forkd.kubernetes.dir", "../scripts/kubernetes"));
    private static final Duration RENDER_LIMIT = Duration.ofSeconds(60);

    @Test
    void theGeneratedSecretIsTheOneTheDeploymentMountsAndANewTokenRenamesIt(@TempDir Path tmp) throws Exception {
        String kubectl = onPath("kubectl");
        assumeTrue(kubectl != null, "no kubectl on PATH: kustomize's rendering not checked");
        Path copy = tmp.resolve("kubernetes");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        String first = render(kubectl, copy, "first-token-0123456789");
        String second = render(kubectl, copy, "second-token-9876543210");
        assertTrue(first.startsWith("forkd-admin-token-") && second.startsWith("forkd-admin-token-"), first + ", " + second);
        assertTrue(!first.equals(second), "a new token must give the Secret a new name, so that the pods roll: " + first);
    }

    /** Renders with {@code token} in admin.token; returns the generated Secret's name after checking the Deployment mounts it. */
    private static String render(String kubectl, Path dir, String token) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("admin.token"), token + "\n");
        Path out = dir.resolveSibling("rendered-" + token + ".yaml");
        Process p = new ProcessBuilder(kubectl, "kustomize", dir.toString())
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertTrue(p.waitFor(RENDER_LIMIT.toSeconds(), TimeUnit.SECONDS), "kubectl kustomize did not finish in " + RENDER_LIMIT);
        assertEquals(0, p.exitValue(), "kubectl kustomize failed");

        Object parsed = Manifests.STRICT.read(new ByteArrayInputStream(Files.readAllBytes(out)));
        assertTrue(parsed instanceof List<?>, "several objects expected, got " + parsed);
        List<?> objects = (List<?>) parsed;
        Secret secret = only(objects, Secret.class);
        Deployment deployment = only(objects, Deployment.class);
        var volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null).findFirst().orElseThrow();
        assertEquals(secret.getMetadata().getName(), volume.getSecret().getSecretName(), "the Deployment must mount the generated Secret");
        String key = volume.getSecret().getItems().get(0).getKey();
        String value = new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
        assertEquals(token, value.trim(), "the Secret's " + key + " must hold admin.token");
        return secret.getMetadata().getName();
    }

    private static <T> T only(List<?> objects, Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), "one " + type.getSimpleName() + " in the rendering");
        return found.get(0);
    }

    private static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
