package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.examples.jaxrs.CatalogApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JAX-RS example run as docs/compatibility.md says, by the jgunicorn command with the app on --classpath and
 * {@code CatalogApp:handler} as the APP (a master and a worker process, the app in the worker's class loader),
 * answers as the same app on the JDK's server.
 */
class JaxRsExampleProcessTest {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void runsUnchangedUnderTheJgunicornCommand() throws Exception {
        Path example = REPO.resolve("examples/jax-rs/target");
        String classpath = example.resolve("classes") + "," + Files.readString(example.resolve("classpath")).strip();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx128m",
                "-jar", REPO.resolve("runtime/target/jgunicorn.jar").toString(),
                "--classpath", classpath, "-k", "virtual", "-b", "127.0.0.1:" + port,
                "--pid", dir.resolve("pid").toString(), "--control-socket", dir.resolve("ctl").toString(),
                "dev.jgunicorn.examples.jaxrs.CatalogApp:handler"));
        Process master = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        HttpServer jdk = Servers.start(Servers.JDK, CatalogApp.handler());
        try {
            awaitListening(port, master);
            Comparison.assertSameAnswers(JerseyCompatTest.APP, "jgunicorn -k virtual", jdk.getAddress().getPort(), port,
                    JerseyCompatTest.REQUESTS.stream().filter(r -> !r.target().startsWith("/later")).toList());
        } finally {
            jdk.stop(0);
            master.destroy(); // SIGTERM: the master stops its worker gracefully
            assertTrue(master.waitFor(30, TimeUnit.SECONDS), "the master stops on TERM");
        }
    }

    /** Connects until the worker's listener answers (the master binds first; the worker boots Jersey after). */
    private void awaitListening(int port, Process master) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) fail("jgunicorn exited " + master.exitValue() + ":\n" + Files.readString(dir.resolve("log")));
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write("GET /greet/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
                if (s.getInputStream().read() != -1) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("jgunicorn did not answer within 60 s:\n" + Files.readString(dir.resolve("log")));
    }
}
