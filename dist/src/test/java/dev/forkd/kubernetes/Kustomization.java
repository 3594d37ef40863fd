package dev.forkd.kubernetes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The part of kustomize's Kustomization that scripts/kubernetes uses; it is not a Kubernetes API
 * object, so fabric8 has no model of it. Read strictly too: a field not listed here fails, so
 * that whoever adds one also adds its check.
 */
record Kustomization(String apiVersion, String kind, List<String> resources, List<SecretGenerator> secretGenerator) {
    record SecretGenerator(String name, List<String> files, Options options) {
    }

    record Options(Map<String, String> labels) {
    }

    static Kustomization read(Path file) throws IOException {
        YAMLMapper yaml = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        return yaml.readValue(file.toFile(), Kustomization.class);
    }
}
