package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every example in examples/ is a GunicornServer the operator accepts (no Degraded surprise for a reader). */
class ExamplesTest {

    static List<HasMetadata> load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Object o = Serialization.unmarshal(in);
            List<HasMetadata> out = new ArrayList<>();
            if (o instanceof KubernetesList l) out.addAll(l.getItems());
            else if (o instanceof List<?> l) l.forEach(x -> out.add((HasMetadata) x));
            else out.add((HasMetadata) o);
            return out;
        }
    }

    @Test
    void everyExampleComputesADesiredState() throws Exception {
        List<Path> files;
        try (var walk = Files.walk(Servers.repo().resolve("examples"))) {
            files = walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(7, files.size(), files.toString());
        int servers = 0;
        int scaledObjects = 0;
        for (Path f : files) {
            for (HasMetadata o : load(f)) {
                if (o instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource g && "GunicornServer".equals(g.getKind())) {
                    o = Serialization.unmarshal(Serialization.asYaml(g), GunicornServer.class);
                }
                if (o instanceof GunicornServer s) {
                    s.getMetadata().setNamespace("default");
                    DesiredState d = DesiredState.compute(s, OperatorConfig.defaults()); // throws on a bad example
                    assertFalse(d.config().text().isEmpty());
                    servers++;
                } else if (o instanceof HorizontalPodAutoscaler hpa) {
                    assertEquals("GunicornServer", hpa.getSpec().getScaleTargetRef().getKind());
                    assertEquals("jgunicorn.dev/v1alpha1", hpa.getSpec().getScaleTargetRef().getApiVersion());
                } else if (o instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource g && "ScaledObject".equals(g.getKind())) {
                    scaledObjects++;
                    checkScaledObject(f, g);
                }
            }
        }
        assertEquals(7, servers);
        assertEquals(1, scaledObjects);
    }

    /** KEDA's ScaledObject (keda.sh/v1alpha1): it targets a GunicornServer of the same file, on a series we export. */
    @SuppressWarnings("unchecked")
    private static void checkScaledObject(Path file, io.fabric8.kubernetes.api.model.GenericKubernetesResource g) throws IOException {
        assertEquals("keda.sh/v1alpha1", g.getApiVersion());
        Map<String, Object> spec = (Map<String, Object>) g.getAdditionalProperties().get("spec");
        Map<String, Object> target = (Map<String, Object>) spec.get("scaleTargetRef");
        assertEquals("jgunicorn.dev/v1alpha1", target.get("apiVersion"));
        assertEquals("GunicornServer", target.get("kind"));
        assertTrue(load(file).stream().anyMatch(o -> "GunicornServer".equals(o.getKind())
                && o.getMetadata().getName().equals(target.get("name"))), "the target is defined beside it");
        String docs = Files.readString(Servers.repo().resolve("docs/metrics.md"));
        for (Map<String, Object> trigger : (List<Map<String, Object>>) spec.get("triggers")) {
            assertEquals("prometheus", trigger.get("type"));
            String query = (String) ((Map<String, Object>) trigger.get("metadata")).get("query");
            var series = java.util.regex.Pattern.compile("gunicorn_[a-z_]+").matcher(query);
            assertTrue(series.find(), query);
            assertTrue(docs.contains("| `" + series.group() + "` |"), series.group() + " is an exported series (docs/metrics.md)");
            assertTrue(query.contains("job=\"default/" + target.get("name") + "\""), "the PodMonitor's job label: " + query);
        }
    }
}
