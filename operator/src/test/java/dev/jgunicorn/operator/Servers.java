package dev.jgunicorn.operator;

import dev.jgunicorn.operator.api.v1alpha1.AppServer;
import dev.jgunicorn.operator.api.v1alpha1.CrdRequiredFields;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test fixtures: GunicornServers as a user would write them, and the repository's paths. */
public final class Servers {
    private Servers() {
    }

    public static GunicornServer demo(String name) {
        GunicornServer s = new GunicornServer();
        s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("shop").withUid("uid-" + name)
                .withGeneration(1L).build());
        GunicornServerSpec spec = new GunicornServerSpec();
        spec.setApp("dev.jgunicorn.demo.Hello");
        s.setSpec(spec);
        return s;
    }

    /** A Flask app under Gunicorn from the user's image (server gunicorn). */
    public static GunicornServer python(String name) {
        GunicornServer s = demo(name);
        s.getSpec().setServer(AppServer.GUNICORN);
        s.getSpec().setImage("registry.example/shop/flask-app:1");
        s.getSpec().setApp("app:app");
        return s;
    }

    public static Map<String, AnyType> settings(Object... keysAndValues) {
        Map<String, AnyType> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], new AnyType(keysAndValues[i + 1]));
        return m;
    }

    public static Path repo() {
        return Path.of(System.getProperty("jgunicorn.repo", "..")).toAbsolutePath().normalize();
    }

    /** The CRD the build generates from the Java model, with the embedded Kubernetes types' required fields. */
    public static String generatedCrd() throws IOException {
        return CrdRequiredFields.addTo(Files.readString(
                repo().resolve("operator/target/classes/META-INF/fabric8/gunicornservers.jgunicorn.dev-v1.yml")));
    }
}
