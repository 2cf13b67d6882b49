package dev.jgunicorn.operator.api.v1alpha1;

import dev.jgunicorn.operator.Servers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/** The committed copies of the CRD (what users apply and Helm installs) are the one the Java model generates. */
class CrdFreshnessTest {
    private static final List<String> COMMITTED = List.of("crds/gunicornservers.jgunicorn.dev-v1.yml",
            "helm/jgunicorn-operator/files/crds/gunicornservers.jgunicorn.dev-v1.yml");

    @Test
    void theCommittedCrdsAreTheGeneratedOne() throws Exception {
        String generated = GeneratedCrd.text();
        for (String committed : COMMITTED) {
            Path p = Servers.repo().resolve(committed);
            if (!Files.exists(p) || !Files.readString(p).equals(generated)) {
                fail(committed + " is stale: the Java model changed; run bin/update-crds and commit the result");
            }
        }
    }
}
