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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /** The pod's container run here: the image's launcher with the rendered args, config and admin port. */
    private record Pod(Process process, DesiredState desired, Container container, int port, int adminPort, Path logFile)
            implements AutoCloseable {
        static Pod start(GunicornServer server, Path dir, String javaOpts) throws Exception {
            server.getSpec().setPort(freePort());
            server.getSpec().setAdminPort(freePort());
            DesiredState desired = DesiredState.compute(server, OperatorConfig.defaults());
            Container container = desired.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
            // The ConfigMap's file where the pod mounts it (here: a temp dir).
            Path conf = dir.resolve("gunicorn.conf.py");
            Files.writeString(conf, desired.configMap().getData().get("gunicorn.conf.py"));
            List<String> command = new ArrayList<>();
            command.add("sh");
            command.add(REPO.resolve("docker/jgunicorn").toString()); // stands in for the container's command
            for (String arg : container.getArgs()) command.add(arg.equals(ConfigFile.PATH) ? conf.toString() : arg);
            Path log = dir.resolve("out.log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("JGUNICORN_JAR", REPO.resolve("runtime/target/jgunicorn.jar").toString());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("JAVA_OPTS", javaOpts);
            pb.environment().remove("WEB_CONCURRENCY");
            Pod pod = new Pod(pb.start(), desired, container, server.getSpec().getPort(), server.getSpec().getAdminPort(), log);
            get(pod.app("/"), Duration.ofSeconds(90)); // two JVMs start: slow on a loaded machine
            // Ready as the kubelet sees it: the master saw its worker boot (its loop turns every 500 ms).
            await("the pod ready", () -> pod.admin(container.getReadinessProbe().getHttpGet().getPath()) == 200);
            return pod;
        }

        String app(String path) {
            return "http://127.0.0.1:" + port + path;
        }

        /** What the kubelet's probe or Prometheus at {@code path} on the admin port would get. */
        int admin(String path) throws IOException, InterruptedException {
            return status("http://127.0.0.1:" + adminPort + path);
        }

        int liveness() throws IOException, InterruptedException {
            return admin(container.getLivenessProbe().getHttpGet().getPath());
        }

        String log() throws IOException {
            return Files.readString(logFile);
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    @Test
    void theLauncherRunsThePodsCommandAsJavaAndDrainsOnTerm(@TempDir Path dir) throws Exception {
        GunicornServer server = Servers.demo("demo");
        server.getSpec().setGracefulTimeout(5);
        try (Pod pod = Pod.start(server, dir, "-Xmx64m -Djgunicorn.launcher.test=yes")) {
            Process p = pod.process();
            assertEquals("Hello, World!", get(pod.app("/"), Duration.ofSeconds(5)).strip());
            // What the probes and Prometheus ask, on the admin port the pod declares.
            assertEquals(200, pod.liveness());
            assertEquals(200, pod.admin(pod.container().getReadinessProbe().getHttpGet().getPath()));
            assertEquals(200, pod.admin(pod.desired().deployment().getSpec().getTemplate().getMetadata().getAnnotations()
                    .get("prometheus.io/path")));
            String exe = p.info().command().orElse("");
            assertTrue(exe.endsWith("/java"), "exec replaced the shell with java, so TERM reaches the JVM: " + exe);
            String args = String.join(" ", p.info().arguments().orElse(new String[0]));
            assertTrue(args.contains("-Xmx32m"), "the master runs lean: " + args);
            assertTrue(args.endsWith("--jvm-arg=-Xmx64m --jvm-arg=-Djgunicorn.launcher.test=yes --workers 1 -c "
                    + dir.resolve("gunicorn.conf.py") + " dev.jgunicorn.demo.Hello"), args);
            ProcessHandle worker = p.children().findFirst().orElseThrow();
            String workerArgs = String.join(" ", worker.info().arguments().orElse(new String[0]));
            assertTrue(workerArgs.contains("-Xmx64m -Djgunicorn.launcher.test=yes"), "JAVA_OPTS are the app's JVM's: " + workerArgs);

            p.destroy(); // SIGTERM, as the kubelet sends after the preStop sleep
            assertTrue(p.waitFor(5 + 5, TimeUnit.SECONDS), "drained within graceful_timeout");
            assertTrue(pod.log().contains("Worker exiting"), pod.log());
        }
    }

    /** max_requests recycles the worker inside the pod: the container never exits, so the kubelet never backs off. */
    @Test
    void maxRequestsRecyclesTheWorkerWhileTheContainerKeepsRunning(@TempDir Path dir) throws Exception {
        GunicornServer server = Servers.demo("demo");
        server.getSpec().setMaxRequests(5);
        try (Pod pod = Pod.start(server, dir, "-Xmx64m")) {
            Set<Long> workers = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                assertEquals("Hello, World!", get(pod.app("/"), Duration.ofSeconds(30)).strip(), "request " + i);
                pod.process().children().forEach(w -> workers.add(w.pid()));
                assertTrue(pod.process().isAlive(), "the container's process runs on after request " + i + "\n" + pod.log());
                assertEquals(200, pod.liveness(), "liveness after request " + i);
            }
            assertTrue(workers.size() >= 3, "the worker was replaced several times: " + workers + "\n" + pod.log());
            assertTrue(pod.log().contains("Autorestarting worker after current request."), pod.log());
        }
    }

    /** gthread: a request running past --timeout is no reason to kill the pod; it completes, others are served. */
    @Test
    void aRequestPastTheTimeoutKeepsThePodLiveUnderGthread(@TempDir Path dir) throws Exception {
        GunicornServer server = Servers.demo("demo");
        server.getSpec().setApp("dev.jgunicorn.demo.Slow");
        server.getSpec().setWorkerClass("gthread");
        server.getSpec().setThreads(4);
        server.getSpec().setTimeout(5);
        try (Pod pod = Pod.start(server, dir, "-Xmx64m")) {
            CompletableFuture<HttpResponse<String>> slow = HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create(pod.app("/?ms=12000"))).build(), HttpResponse.BodyHandlers.ofString());
            int served = 0;
            while (!slow.isDone()) {
                assertEquals("slept 0 ms", get(pod.app("/?ms=0"), Duration.ofSeconds(5)).strip());
                served++;
                assertEquals(200, pod.liveness(), "liveness while the slow request runs\n" + pod.log());
                Thread.sleep(500);
            }
            assertEquals(200, slow.get().statusCode());
            assertEquals("slept 12000 ms", slow.get().body().strip());
            assertTrue(served > 5, "other requests were served meanwhile: " + served);
            assertFalse(pod.log().contains("WORKER TIMEOUT (pid"), pod.log());
        }
    }

    /** A stuck worker (SIGSTOP) is killed at --timeout and replaced by the pod's master; the pod serves again. */
    @Test
    void aStuckWorkerIsReplacedInsideThePod(@TempDir Path dir) throws Exception {
        GunicornServer server = Servers.demo("demo");
        server.getSpec().setTimeout(3);
        try (Pod pod = Pod.start(server, dir, "-Xmx64m")) {
            ProcessHandle stuck = pod.process().children().findFirst().orElseThrow(() -> new AssertionError("no worker process in the pod"));
            assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(stuck.pid())).start().waitFor());
            await("the stuck worker replaced", () -> !stuck.isAlive() && pod.process().children().findAny().isPresent());
            assertEquals("Hello, World!", get(pod.app("/"), Duration.ofSeconds(30)).strip());
            await("readiness back", () -> pod.admin(pod.container().getReadinessProbe().getHttpGet().getPath()) == 200);
            assertEquals(200, pod.liveness());
            assertTrue(pod.process().isAlive(), "the container's process never exited");
            assertTrue(pod.log().contains("WORKER TIMEOUT (pid:" + stuck.pid() + ")"), pod.log());
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check check) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!check.holds()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for: " + what);
            Thread.sleep(200);
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
