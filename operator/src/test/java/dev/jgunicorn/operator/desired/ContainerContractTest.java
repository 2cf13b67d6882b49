package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import io.fabric8.kubernetes.api.model.Container;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What can be checked of the image without a container engine: the Dockerfile's targets, user and entrypoint
 * match what the operator puts in pods, and the image's launcher script runs the worker the operator describes
 * (its command, args and rendered config) against the built runtime jar, with java as the process TERM reaches.
 */
class ContainerContractTest {
    private static final Path REPO = Servers.repo();

    @Test
    void theDockerfileBuildsBothTargetsAsANonRootUserWithTheLauncherThePodsRun() throws IOException {
        String dockerfile = Files.readString(REPO.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("AS runtime"), "runtime target");
        assertTrue(dockerfile.contains("AS operator"), "operator target");
        assertTrue(dockerfile.contains("USER 10001:10001"), "numeric non-root user");
        assertTrue(dockerfile.contains("COPY --chmod=0755 docker/jgunicorn " + DesiredState.LAUNCHER));
        assertTrue(dockerfile.contains("ENTRYPOINT [\"" + DesiredState.LAUNCHER + "\"]"));
        assertTrue(dockerfile.contains("/src/runtime/target/jgunicorn.jar /opt/jgunicorn/jgunicorn.jar"));
        assertTrue(dockerfile.contains("/src/operator/target/jgunicorn-operator.jar"));
    }

    @Test
    void theLauncherRunsThePodsCommandAsJavaAndDrainsOnTerm(@TempDir Path dir) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        GunicornServer server = Servers.demo("demo");
        server.getSpec().setPort(port);
        server.getSpec().setAdminPort(adminPort);
        server.getSpec().setGracefulTimeout(5);
        DesiredState desired = DesiredState.compute(server, OperatorConfig.defaults());
        Container container = desired.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);

        // The ConfigMap's file where the pod mounts it (here: a temp dir).
        Path conf = dir.resolve("gunicorn.conf.py");
        Files.writeString(conf, desired.configMap().getData().get("gunicorn.conf.py"));
        List<String> command = new ArrayList<>();
        command.add("sh");
        command.add(REPO.resolve("docker/jgunicorn").toString()); // stands in for the container's command
        for (String arg : container.getArgs()) command.add(arg.equals(ConfigFile.PATH) ? conf.toString() : arg);

        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().put("JGUNICORN_JAR", REPO.resolve("runtime/target/jgunicorn.jar").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JAVA_OPTS", "-Xmx64m -Djgunicorn.launcher.test=yes");
        Process p = pb.start();
        try {
            String body = get("http://127.0.0.1:" + port + "/", Duration.ofSeconds(20));
            assertEquals("Hello, World!", body.strip());
            // What the probes and Prometheus ask, on the admin port the pod declares.
            String admin = "http://127.0.0.1:" + adminPort;
            assertEquals(200, status(admin + container.getLivenessProbe().getHttpGet().getPath()));
            assertEquals(200, status(admin + container.getReadinessProbe().getHttpGet().getPath()));
            assertEquals(200, status(admin + desired.deployment().getSpec().getTemplate().getMetadata().getAnnotations()
                    .get("prometheus.io/path")));
            String exe = p.info().command().orElse("");
            assertTrue(exe.endsWith("/java"), "exec replaced the shell with java, so TERM reaches the JVM: " + exe);
            String args = String.join(" ", p.info().arguments().orElse(new String[0]));
            assertTrue(args.contains("-Xmx64m -Djgunicorn.launcher.test=yes -jar"), "JAVA_OPTS honoured: " + args);
            assertTrue(args.endsWith("--no-master -c " + conf + " dev.jgunicorn.demo.Hello"), args);

            p.destroy(); // SIGTERM, as the kubelet sends after the preStop sleep
            assertTrue(p.waitFor(5 + 5, TimeUnit.SECONDS), "drained within graceful_timeout");
            String log = Files.readString(dir.resolve("out.log"));
            assertTrue(log.contains("Worker exiting"), log);
        } finally {
            p.destroyForcibly();
        }
    }

    private static String get(String url, Duration within) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long end = System.nanoTime() + within.toNanos();
        IOException last = null;
        while (System.nanoTime() < end) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError("no answer from " + url + ": " + last);
    }

    private static int status(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
