package dev.jgunicorn.operator.api.v1alpha1;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CRD generated from the Java model: every field is described, and the subresources make kubectl scale work.
 * (CrdFreshnessTest holds the committed copies to it, SettingsAlignmentTest its settings-backed fields.)
 */
class CrdTest {
    /** Kubernetes' own types embedded in the spec: their fields come from the Kubernetes API, not from us. */
    private static final Set<String> EMBEDDED = Set.of("env", "envFrom", "resources", "imagePullSecrets", "tolerations",
            "affinity", "topologySpreadConstraints", "volumes", "volumeMounts", "podSecurityContext", "initContainers",
            "extraContainers", "minAvailable", "maxUnavailable", "conditions");

    @Test
    void everyFieldOfOurOwnHasADescriptionForKubectlExplain() throws Exception {
        List<String> missing = new ArrayList<>();
        JSONSchemaProps root = GeneratedCrd.version().getSchema().getOpenAPIV3Schema();
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
    void embeddedKubernetesTypesKeepTheirRequiredFieldsSoTheApiServerRefusesIncompleteEntries() throws Exception {
        JSONSchemaProps spec = GeneratedCrd.spec();
        assertEquals(List.of("name"), items(spec, "env").getRequired());
        assertEquals(List.of("maxSkew", "topologyKey", "whenUnsatisfiable"), items(spec, "topologySpreadConstraints").getRequired());
        assertEquals(List.of("name"), items(spec, "volumes").getRequired());
        assertEquals(List.of("mountPath", "name"), items(spec, "volumeMounts").getRequired().stream().sorted().toList());
        for (String containers : List.of("initContainers", "extraContainers")) {
            JSONSchemaProps c = items(spec, containers);
            assertEquals(List.of("name"), c.getRequired(), containers);
            assertEquals(List.of("name"), c.getProperties().get("env").getItems().getSchema().getRequired(), containers + "[].env");
            assertEquals(List.of("containerPort"), c.getProperties().get("ports").getItems().getSchema().getRequired());
        }
        JSONSchemaProps nodeAffinity = spec.getProperties().get("affinity").getProperties().get("nodeAffinity");
        assertEquals(List.of("nodeSelectorTerms"), nodeAffinity.getProperties()
                .get("requiredDuringSchedulingIgnoredDuringExecution").getRequired(), "and deeper down too");
    }

    private static JSONSchemaProps items(JSONSchemaProps spec, String list) {
        return spec.getProperties().get(list).getItems().getSchema();
    }

    @Test
    void scaleAndStatusSubresourcesPrinterColumnsAndValidation() throws Exception {
        CustomResourceDefinitionVersion v = GeneratedCrd.version();
        assertEquals(".spec.workers", v.getSubresources().getScale().getSpecReplicasPath());
        assertEquals(".status.workers", v.getSubresources().getScale().getStatusReplicasPath());
        assertEquals(".status.selector", v.getSubresources().getScale().getLabelSelectorPath());
        assertNotNull(v.getSubresources().getStatus());
        assertEquals(Set.of("Workers", "Ready", "Status", "Image", "Age"),
                Set.copyOf(v.getAdditionalPrinterColumns().stream().map(c -> c.getName()).toList()));
        JSONSchemaProps spec = GeneratedCrd.spec();
        assertEquals(List.of("app"), spec.getRequired());
        assertEquals("self.port != self.adminPort", spec.getXKubernetesValidations().get(0).getRule());
        assertEquals(0.0, spec.getProperties().get("workers").getMinimum());
        assertEquals(Boolean.TRUE, spec.getProperties().get("settings").getAdditionalProperties().getSchema()
                .getXKubernetesPreserveUnknownFields());
        assertEquals("!(has(self.minAvailable) && has(self.maxUnavailable))",
                spec.getProperties().get("podDisruptionBudget").getXKubernetesValidations().get(0).getRule());
        assertEquals(GunicornServer.GROUP, "jgunicorn.dev");
    }

    /** A newer CRD's fields reach an older operator (mid-upgrade, or rolled back): it must still read the resource. */
    @Test
    void aResourceWithFieldsFromANewerCrdStillReads() {
        GunicornServer server = Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: shop}
                spec:
                  app: com.example.Shop:handler
                  fieldOfTomorrow: 1
                  metrics: {podMonitor: true, exemplars: true}
                  service: {type: ClusterIP, trafficDistribution: PreferClose}
                  podDisruptionBudget: {enabled: true, unhealthyPodEvictionPolicy: AlwaysAllow}
                status: {observedGeneration: 3, shardsReady: 2}
                """, GunicornServer.class);
        assertEquals("com.example.Shop:handler", server.getSpec().getApp());
        assertTrue(server.getSpec().getMetrics().getPodMonitor());
        assertEquals(3L, server.getStatus().getObservedGeneration());
    }
}
