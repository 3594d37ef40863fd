package dev.forkd.kubernetes;

import dev.forkd.supervisor.ServeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Every check of scripts/kubernetes: the problems found, none when the manifests are sound. */
final class ManifestCheck {
    private ManifestCheck() {
    }

    static List<String> problems(Path dir, Path dockerfile, String version) throws IOException {
        List<String> problems = new ArrayList<>();
        Manifests m = Manifests.read(dir, problems);
        if (m == null) {
            return problems;
        }
        DockerfileFacts image = DockerfileFacts.read(dockerfile);
        ServeConfig config;
        try {
            config = ServeArgs.resolve(m.container().getArgs());
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return problems;
        }
        ProbeChecks.check(m, config, problems);
        StopChecks.check(m, config, problems);
        MemorySizing.check(m, config, image, problems);
        SecurityChecks.check(m, config, image, problems);
        WiringChecks.check(m, version, problems);
        return problems;
    }
}
