package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.examples.jaxrs.CatalogApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JAX-RS example run as docs/compatibility.md says, by the jgunicorn command with the app on --classpath and
 * {@code CatalogApp:handler} as the APP (a master and a worker process, the app in the worker's class loader),
 * answers as the same app on the JDK's server.
 */
class JaxRsExampleProcessTest {
    @TempDir
    Path dir;

    @Test
    void runsUnchangedUnderTheJgunicornCommand() throws Exception {
        Path example = JgunicornProcess.REPO.resolve("examples/jax-rs/target");
        List<String> classpath = new ArrayList<>(List.of(example.resolve("classes").toString()));
        classpath.addAll(List.of(Files.readString(example.resolve("classpath")).strip().split(",")));
        HttpServer jdk = Servers.start(Servers.JDK, CatalogApp.handler());
        try (JgunicornProcess ours = new JgunicornProcess(dir, classpath, "virtual", "dev.jgunicorn.examples.jaxrs.CatalogApp:handler")) {
            Comparison.assertSameAnswers(JerseyCompatTest.APP, "jgunicorn -k virtual", jdk.getAddress().getPort(), ours.port,
                    JerseyCompatTest.REQUESTS.stream().filter(r -> !r.target().equals(JerseyCompatTest.LATER)).toList());
        } finally {
            jdk.stop(0);
        }
    }
}
