package dev.forkd.kubernetes;

import dev.forkd.supervisor.ServeConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The pod's user and file system: the image's unprivileged user, a read-only root with emptyDirs
 * where forkd writes, no privilege to gain; and the admin token, a Secret mounted where
 * --admin-token-file points and readable by forkd's user only.
 */
final class SecurityChecks {
    private SecurityChecks() {
    }

    static void check(Manifests m, ServeConfig config, DockerfileFacts image, List<String> problems) {
        PodSecurityContext pod = Optional.ofNullable(m.pod().getSecurityContext()).orElseGet(PodSecurityContext::new);
        SecurityContext ctr = Optional.ofNullable(m.container().getSecurityContext()).orElseGet(SecurityContext::new);
        if (!Boolean.TRUE.equals(pod.getRunAsNonRoot())) {
            problems.add("the pod's runAsNonRoot is not true");
        }
        if (pod.getRunAsUser() == null || pod.getRunAsUser() != image.uid()) {
            problems.add("the pod's runAsUser " + pod.getRunAsUser() + " is not the image's forkd user, FORKD_UID " + image.uid());
        }
        if (pod.getRunAsGroup() == null || pod.getRunAsGroup() != image.uid()) {
            problems.add("the pod's runAsGroup " + pod.getRunAsGroup() + " is not the image's forkd group " + image.uid());
        }
        if (ctr.getRunAsUser() != null || ctr.getRunAsGroup() != null) {
            problems.add("the container overrides the pod's user or group");
        }
        if (!Boolean.TRUE.equals(ctr.getReadOnlyRootFilesystem())) {
            problems.add("readOnlyRootFilesystem is not true");
        }
        if (!Boolean.FALSE.equals(ctr.getAllowPrivilegeEscalation())) {
            problems.add("allowPrivilegeEscalation is not false");
        }
        if (Boolean.TRUE.equals(ctr.getPrivileged())) {
            problems.add("the container is privileged");
        }
        boolean dropsAll = ctr.getCapabilities() != null && ctr.getCapabilities().getDrop().contains("ALL");
        boolean addsNone = ctr.getCapabilities() == null || ctr.getCapabilities().getAdd().isEmpty();
        if (!dropsAll || !addsNone) {
            problems.add("capabilities: expected drop [ALL] and nothing added");
        }
        writable(m, "/tmp", "the runtime directory (worker sockets) and the JVMs' temporary files", problems);
        cacheDir(m, problems);
        token(m, config, pod, problems);
    }

    /** {@code path} must be an emptyDir mount: the root file system is read-only. */
    private static void writable(Manifests m, String path, String what, List<String> problems) {
        Optional<VolumeMount> mount = m.container().getVolumeMounts().stream().filter(v -> v.getMountPath().equals(path)).findFirst();
        if (mount.isEmpty() || volume(m, mount.get().getName()).map(Volume::getEmptyDir).isEmpty()) {
            problems.add(path + " is not an emptyDir mount: forkd writes " + what + " there, and the root file system is read-only");
        }
    }

    /**
     * FORKD_CACHE_DIR must be a directory below an emptyDir mount, not the mount itself: forkd uses
     * only a directory of its own user that no other can write (the workers map the archive in it
     * as code), and an emptyDir is root's, and group-writable with fsGroup; below it forkd makes its own.
     */
    private static void cacheDir(Manifests m, List<String> problems) {
        Optional<String> dir = m.container().getEnv().stream().filter(e -> e.getName().equals("FORKD_CACHE_DIR"))
                .map(EnvVar::getValue).findFirst();
        if (dir.isEmpty()) {
            problems.add("no FORKD_CACHE_DIR: the image's /var/cache/forkd is on the read-only root (or hidden by a volume)");
            return;
        }
        Path cache = Path.of(dir.get());
        boolean below = m.container().getVolumeMounts().stream()
                .filter(v -> volume(m, v.getName()).map(Volume::getEmptyDir).isPresent())
                .map(v -> Path.of(v.getMountPath()))
                .anyMatch(mount -> cache.startsWith(mount) && !cache.equals(mount));
        if (!below) {
            problems.add("FORKD_CACHE_DIR " + cache + " is not a directory below an emptyDir mount");
        }
    }

    private static void token(Manifests m, ServeConfig config, PodSecurityContext pod, List<String> problems) {
        if (config.adminTokenFile() == null) {
            problems.add("no --admin-token-file: forkd would make a token per run, which no one outside the pod can read");
            return;
        }
        Path file = config.adminTokenFile();
        Optional<VolumeMount> mount = m.container().getVolumeMounts().stream()
                .filter(v -> file.getParent() != null && file.getParent().equals(Path.of(v.getMountPath()))).findFirst();
        Optional<Volume> volume = mount.flatMap(v -> volume(m, v.getName()));
        if (volume.isEmpty() || volume.get().getSecret() == null) {
            problems.add("--admin-token-file " + file + " is not in a directory where a Secret is mounted");
            return;
        }
        if (!Boolean.TRUE.equals(mount.get().getReadOnly())) {
            problems.add("the token's mount is not readOnly");
        }
        var secret = volume.get().getSecret();
        String generated = m.kustomization().secretGenerator() == null || m.kustomization().secretGenerator().size() != 1
                ? null : m.kustomization().secretGenerator().get(0).name();
        if (!secret.getSecretName().equals(generated)) {
            problems.add("the token volume's secretName " + secret.getSecretName() + " is not the Secret kustomization.yaml generates (" + generated + ")");
        }
        String fileName = file.getFileName().toString();
        Optional<KeyToPath> item = secret.getItems().stream().filter(i -> i.getPath().equals(fileName)).findFirst();
        List<String> keys = m.kustomization().secretGenerator() == null ? List.of()
                : m.kustomization().secretGenerator().stream().flatMap(g -> g.files().stream()).map(f -> f.split("=", 2)[0]).toList();
        if (item.isEmpty() || !keys.contains(item.get().getKey())) {
            problems.add("no item of the token Secret is mounted as " + fileName + " from a key the generator makes (" + keys + ")");
        }
        int mode = item.flatMap(i -> Optional.ofNullable(i.getMode())).orElse(Optional.ofNullable(secret.getDefaultMode()).orElse(0644));
        if ((mode & 0007) != 0 || (mode & 0040) == 0 || pod.getFsGroup() == null || !pod.getFsGroup().equals(pod.getRunAsGroup())) {
            problems.add(String.format("the token file's mode %04o: it must be readable by forkd's group (fsGroup = runAsGroup) and by no one else", mode));
        }
    }

    private static Optional<Volume> volume(Manifests m, String name) {
        return m.pod().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst();
    }
}
