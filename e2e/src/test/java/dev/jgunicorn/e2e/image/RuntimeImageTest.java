package dev.jgunicorn.e2e.image;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.DesiredState;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime image as a user with Docker (or podman) runs it, in the container the operator renders for a
 * GunicornServer: its command, args, env, config file and security context come from {@link DesiredState}, so a
 * change to the Deployment shows up here. Skipped (with the reason printed) when no container engine answers or
 * the image is not built, unless {@value RuntimeImage#REQUIRED_ENV} is set (docker/test-images sets it).
 */
@DisplayName("runtime image under the operator's security context")
class RuntimeImageTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static RuntimeImage.Running shared;

    @BeforeAll
    static void start() {
        DesiredState desired = render("shared");
        RuntimeImage.assumeAvailable(desired.image());
        shared = RuntimeImage.start(desired);
    }

    @AfterAll
    static void stop() {
        if (shared != null) shared.close();
    }

    /** The objects the operator makes for the slow demo app, with the defaults it fills in for ports and grace. */
    private static DesiredState render(String name) {
        GunicornServer server = Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: %s, namespace: image-test}
                spec: {app: dev.jgunicorn.demo.Slow, workers: 1, gracefulTimeout: 10, preStopDelaySeconds: 0}
                """.formatted(name), GunicornServer.class);
        try {
            return DesiredState.compute(server, OperatorConfig.defaults());
        } catch (Exception e) {
            throw new AssertionError("the operator refuses the test's GunicornServer", e);
        }
    }

    @Test
    @DisplayName("the app answers on its port; /healthz, /readyz and /metrics on the admin port")
    void answersOnAppAndAdminPorts() throws Exception {
        assertEquals("slept 0 ms", get(shared.appUri("/?ms=0")).body().strip());
        assertEquals(200, get(shared.adminUri("/healthz")).statusCode(), "/healthz");
        assertEquals(200, get(shared.adminUri("/readyz")).statusCode(), "/readyz");
        HttpResponse<String> metrics = get(shared.adminUri("/metrics"));
        assertEquals(200, metrics.statusCode(), "/metrics");
        assertTrue(metrics.body().contains("gunicorn_requests_in_flight"), metrics.body());
    }

    @Test
    @DisplayName("runs as the image's non-root user, read-only, no capabilities, user-mode network only")
    void runsConfinedAsTheOperatorAsks() {
        InspectContainerResponse inspect = shared.inspect();
        assertEquals("10001", inspect.getConfig().getUser().split(":")[0], "the image's user (runAsNonRoot)");
        assertTrue(inspect.getHostConfig().getReadonlyRootfs(), "read-only root filesystem");
        assertEquals("slirp4netns", inspect.getHostConfig().getNetworkMode(), "network mode");
        assertTrue(inspect.getNetworkSettings().getNetworks() == null
                        || inspect.getNetworkSettings().getNetworks().keySet().stream().noneMatch(n -> n.equals("podman") || n.equals("bridge")),
                "joined a bridge network: " + inspect.getNetworkSettings().getNetworks());
        inspect.getHostConfig().getPortBindings().getBindings().forEach((port, bindings) -> {
            for (var b : bindings) assertEquals("127.0.0.1", b.getHostIp(), port + " is published beyond loopback");
        });
        // What the container's PID 1 can do, as the kernel sees it (read from this host: an exec session would
        // leave podman 4.3's conmon processes behind).
        String status = shared.procFile("status");
        // The bounding set: what even a setuid binary could get back (the effective set of uid 10001 is empty anyway).
        assertTrue(status.contains("CapBnd:\t0000000000000000"), "capabilities left (drop: ALL):\n" + status);
        assertTrue(status.contains("NoNewPrivs:\t1"), "no_new_privs (allowPrivilegeEscalation: false):\n" + status);
        String root = shared.procFile("mountinfo").lines().filter(l -> l.split(" ")[4].equals("/")).findFirst().orElseThrow();
        assertTrue(root.split(" ")[5].startsWith("ro"), "the root filesystem is mounted read-write: " + root);
    }

    @Test
    @DisplayName("logs to the container's streams (access log on stdout, error log on stderr, as Gunicorn's '-'), no warning at start")
    void logsToTheContainerStreamsWithoutWarnings() throws Exception {
        get(shared.appUri("/?ms=0"));
        String stdout = shared.awaitStdout("\"GET /?ms=0 HTTP/1.1\" 200");
        String stderr = shared.stderr();
        assertTrue(stderr.contains("[INFO] Listening at:"), "the error log on stderr:\n" + stderr);
        assertTrue(stderr.contains("[INFO] Booting worker"), "the error log on stderr:\n" + stderr);
        String both = stdout + stderr;
        assertFalse(RuntimeImage.WARNING.matcher(both).find(), "a warning at start:\n" + both);
    }

    @Test
    @DisplayName("workers start from the AOT cache baked into the image (the JVM accepted it)")
    void workersStartFromTheBakedAotCache() {
        String stderr = shared.stderr();
        assertTrue(stderr.contains("Workers start from the image's AOT cache /opt/jgunicorn/worker.aot"), stderr);
        assertTrue(stderr.contains("[INFO] Booting worker"), stderr);
    }

    @Test
    @DisplayName("stop (TERM) drains: a request in flight completes, exit 0 within terminationGracePeriodSeconds")
    void drainsOnStop() throws Exception {
        DesiredState desired = render("drain");
        PodSpec pod = desired.deployment().getSpec().getTemplate().getSpec();
        long grace = pod.getTerminationGracePeriodSeconds();
        try (RuntimeImage.Running c = RuntimeImage.start(desired)) {
            CompletableFuture<HttpResponse<String>> inFlight = HTTP.sendAsync(
                    HttpRequest.newBuilder(c.appUri("/?ms=2000")).build(), HttpResponse.BodyHandlers.ofString());
            c.awaitMetric("gunicorn_requests_in_flight", 1);
            long stopped = c.stop(grace);
            System.out.printf("image test: stop with a 2 s request in flight took %.1f s (grace %d s)%n", stopped / 1e9, grace);
            assertEquals("slept 2000 ms", inFlight.get(grace, TimeUnit.SECONDS).body().strip(), "the request in flight");
            assertEquals(0L, c.inspect().getState().getExitCodeLong(), "exit code after stop:\n" + c.stdout() + c.stderr());
        }
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
