package dev.forkd.kubernetes;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.model.jackson.Jackson2JdkTypesModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.AnnotatedMember;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;

/**
 * fabric8's Kubernetes serialization in strict mode: a field the Kubernetes model does not have is
 * an error, as `kubectl apply --validate=strict` makes it. The model classes keep unknown fields in
 * an "additional properties" map (their any-setter), so that a client talking to a newer API
 * server loses nothing; here the any-setters are not seen, and Jackson's FAIL_ON_UNKNOWN_PROPERTIES
 * applies, as FAIL_ON_IGNORED_PROPERTIES does to that map's own name. Values of the wrong type
 * (replicas: two) fail as always.
 */
final class StrictKubernetes {
    private final KubernetesSerialization serialization;

    StrictKubernetes() {
        JsonMapper strict = JsonMapper.builderWithJackson2Defaults()
                .addModule(new Jackson2JdkTypesModule())
                .annotationIntrospector(new NoAnySetter())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES)
                .build();
        // true: the model classes are found by apiVersion and kind through the model jars' service lists
        this.serialization = new KubernetesSerialization(strict, true);
    }

    /** The Kubernetes object of a file (apiVersion and kind pick its class); a list for a file of several. */
    Object read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    Object read(InputStream in) {
        return serialization.unmarshal(in);
    }

    /**
     * Jackson's introspector, blind to {@code @JsonAnySetter} and to the map behind it, which the
     * model classes also expose as a bean property: `additionalProperties: {...}` in a manifest
     * would otherwise be taken as fields of the object.
     */
    private static final class NoAnySetter extends JacksonAnnotationIntrospector {
        @Override
        public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
            return Boolean.FALSE;
        }

        @Override
        public boolean hasIgnoreMarker(MapperConfig<?> config, AnnotatedMember m) {
            return m.getName().matches("(get|set)?[aA]dditionalProperties?") || super.hasIgnoreMarker(config, m);
        }
    }
}
