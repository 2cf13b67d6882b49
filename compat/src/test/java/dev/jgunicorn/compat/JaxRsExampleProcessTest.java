package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.examples.jaxrs.CatalogApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

/**
 * The JAX-RS example run as docs/compatibility.md says, by the jgunicorn command with the app's jar on --classpath
 * (its manifest names the jars in lib/, as in the example's image) and {@code CatalogApp:handler} as the APP (a
 * master and a worker process, the app in the worker's class loader), answers as the same app on the JDK's server.
 */
class JaxRsExampleProcessTest {
    @TempDir
    Path dir;

    @Test
    void runsUnchangedUnderTheJgunicornCommand() throws Exception {
        // The jar Maven packages for the image too: its manifest puts target/lib/*.jar on the class path.
        List<String> classpath = List.of(JgunicornProcess.REPO.resolve("examples/jax-rs/target/catalog.jar").toString());
        HttpServer jdk = Servers.start(Servers.JDK, CatalogApp.handler());
        try (JgunicornProcess ours = new JgunicornProcess(dir, classpath, "virtual", "dev.jgunicorn.examples.jaxrs.CatalogApp:handler")) {
            Comparison.assertSameAnswers(JerseyCompatTest.APP, "jgunicorn -k virtual", jdk.getAddress().getPort(), ours.port,
                    JerseyCompatTest.REQUESTS.stream().filter(r -> !r.target().equals(JerseyCompatTest.LATER)).toList());
        } finally {
            jdk.stop(0);
        }
    }
}
