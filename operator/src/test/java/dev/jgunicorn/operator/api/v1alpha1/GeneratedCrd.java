package dev.jgunicorn.operator.api.v1alpha1;

import dev.jgunicorn.operator.Servers;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The CRD the build generated from this package (crd-generator-maven-plugin, then CrdRequiredFields). */
final class GeneratedCrd {
    private GeneratedCrd() {
    }

    static String text() throws IOException {
        return Servers.generatedCrd();
    }

    static CustomResourceDefinitionVersion version() throws IOException {
        CustomResourceDefinition crd = Serialization.unmarshal(text(), CustomResourceDefinition.class);
        assertEquals("gunicornservers.jgunicorn.dev", crd.getMetadata().getName());
        return crd.getSpec().getVersions().get(0);
    }

    static JSONSchemaProps spec() throws IOException {
        return version().getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }
}
