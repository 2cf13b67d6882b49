package dev.jgunicorn.operator.api.v1alpha1;

import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.desired.SpecSettings.Field;
import dev.jgunicorn.operator.desired.SpecSettings;
import dev.jgunicorn.settings.Setting;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.ValueType;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CRD generated from the Java model: the committed copies are current, the schema carries the settings
 * model's ranges, defaults and values, every field is described, and the subresources make kubectl scale work.
 */
class CrdTest {
    private static final List<String> COMMITTED = List.of("crds/gunicornservers.jgunicorn.dev-v1.yml",
            "helm/jgunicorn-operator/crds/gunicornservers.jgunicorn.dev-v1.yml");
    /** Kubernetes' own types embedded in the spec: their fields come from the Kubernetes API, not from us. */
    private static final Set<String> EMBEDDED = Set.of("env", "resources", "imagePullSecrets", "tolerations",
            "affinity", "topologySpreadConstraints", "minAvailable", "maxUnavailable", "conditions");

    private static CustomResourceDefinitionVersion version() throws Exception {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(Servers.generatedCrd()), CustomResourceDefinition.class);
        assertEquals("gunicornservers.jgunicorn.dev", crd.getMetadata().getName());
        return crd.getSpec().getVersions().get(0);
    }

    private static JSONSchemaProps spec() throws Exception {
        return version().getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }

    @Test
    void theCommittedCrdsAreTheGeneratedOne() throws Exception {
        String generated = Files.readString(Servers.generatedCrd());
        for (String committed : COMMITTED) {
            Path p = Servers.repo().resolve(committed);
            if (!Files.exists(p) || !Files.readString(p).equals(generated)) {
                fail(committed + " is stale: the Java model changed; run bin/update-crds and commit the result");
            }
        }
    }

    @Test
    void settingsBackedFieldsCarryTheSettingsModelsRangesAndDefaults() throws Exception {
        Map<String, JSONSchemaProps> props = spec().getProperties();
        List<String> drift = new ArrayList<>();
        for (Field f : SpecSettings.RENDERED) {
            JSONSchemaProps p = props.get(f.name());
            if (p == null) {
                drift.add(f.path() + " missing from the CRD");
                continue;
            }
            Setting<?> s = f.setting();
            if (!s.supported()) drift.add(f.path() + " is backed by " + s.name() + ", which the runtime does not support");
            if (s.type() instanceof ValueType.IntType t) {
                if (p.getMinimum() == null || p.getMinimum() != t.min()) drift.add(f.path() + " minimum " + p.getMinimum() + " != " + t.min());
                Double max = t.max() == Integer.MAX_VALUE ? null : (double) t.max();
                if (!java.util.Objects.equals(p.getMaximum(), max)) drift.add(f.path() + " maximum " + p.getMaximum() + " != " + max);
                Object def = s.defaultValue(Map.of());
                if (p.getDefault() == null || p.getDefault().asInt() != (Integer) def) {
                    drift.add(f.path() + " default " + p.getDefault() + " != " + def);
                }
            }
            if (s.type() instanceof ValueType.EnumType t) {
                List<String> values = p.getEnum().stream().map(j -> j.asText()).sorted().toList();
                if (!values.equals(t.allowed().stream().sorted().toList())) drift.add(f.path() + " enum " + values + " != " + t.allowed());
                if (!p.getDefault().asText().equals(s.defaultValue(Map.of()))) drift.add(f.path() + " default differs");
            }
            if (!p.getDescription().contains("setting " + s.name())) drift.add(f.path() + " description does not name setting " + s.name());
        }
        // The log levels are Gunicorn's five; the default is the setting's.
        assertEquals(List.of("critical", "debug", "error", "info", "warning"),
                props.get("logLevel").getEnum().stream().map(j -> j.asText()).sorted().toList());
        assertEquals(Settings.LOGLEVEL.defaultValue(Map.of()), props.get("logLevel").getDefault().asText());
        assertTrue(drift.isEmpty(), String.join("\n", drift));
    }

    @Test
    void everyFieldOfOurOwnHasADescriptionForKubectlExplain() throws Exception {
        List<String> missing = new ArrayList<>();
        JSONSchemaProps root = version().getSchema().getOpenAPIV3Schema();
        for (String top : List.of("spec", "status")) describe(top, root.getProperties().get(top), missing);
        assertTrue(missing.isEmpty(), "fields without a description: " + missing);
    }

    private static void describe(String path, JSONSchemaProps p, List<String> missing) {
        if (p.getDescription() == null || p.getDescription().isBlank()) missing.add(path);
        String name = path.substring(path.lastIndexOf('.') + 1);
        if (EMBEDDED.contains(name) || p.getProperties() == null) return;
        p.getProperties().forEach((k, v) -> describe(path + "." + k, v, missing));
    }

    @Test
    void scaleAndStatusSubresourcesPrinterColumnsAndValidation() throws Exception {
        CustomResourceDefinitionVersion v = version();
        assertEquals(".spec.workers", v.getSubresources().getScale().getSpecReplicasPath());
        assertEquals(".status.workers", v.getSubresources().getScale().getStatusReplicasPath());
        assertEquals(".status.selector", v.getSubresources().getScale().getLabelSelectorPath());
        assertNotNull(v.getSubresources().getStatus());
        assertEquals(Set.of("Workers", "Ready", "Status", "Image", "Age"),
                Set.copyOf(v.getAdditionalPrinterColumns().stream().map(c -> c.getName()).toList()));
        JSONSchemaProps spec = spec();
        assertEquals(List.of("app"), spec.getRequired());
        assertEquals("self.port != self.adminPort", spec.getXKubernetesValidations().get(0).getRule());
        assertEquals(0.0, spec.getProperties().get("workers").getMinimum());
        assertEquals(1, spec.getProperties().get("workers").getDefault().asInt());
        assertEquals(Boolean.TRUE, spec.getProperties().get("settings").getAdditionalProperties().getSchema()
                .getXKubernetesPreserveUnknownFields());
        assertEquals("!(has(self.minAvailable) && has(self.maxUnavailable))",
                spec.getProperties().get("podDisruptionBudget").getXKubernetesValidations().get(0).getRule());
        assertEquals(GunicornServer.GROUP, "jgunicorn.dev");
    }
}
