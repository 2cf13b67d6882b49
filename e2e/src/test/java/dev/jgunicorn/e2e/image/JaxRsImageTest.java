package dev.jgunicorn.e2e.image;

import dev.jgunicorn.e2e.E2e;
import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.DesiredState;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * examples/jax-rs as a user deploys it: its image (examples/jax-rs/Dockerfile on the runtime image, built by
 * docker/build-jax-rs-app) in the container the operator renders for examples/jax-rs/gunicornserver.yaml
 * ({@link DesiredState#compute}, no API server), the file as it is but for the image, which names the local build.
 * What its users notice: Jersey answers path parameters, JSON both ways and its mapped 404 through the image's
 * class path (one jar whose manifest names the rest), the admin port's /metrics counts those answers, the start
 * logs no warning, and a stop lets an upload in flight at TERM finish.
 */
@DisplayName("the JAX-RS example's image as the operator runs it for examples/jax-rs/gunicornserver.yaml")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JaxRsImageTest {
    /** docker/build-jax-rs-app tags it like the runtime image. */
    private static final String APP_IMAGE = OperatorConfig.DEFAULT_RUNTIME_IMAGE.replace("/runtime:", "/jax-rs-app:");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static DesiredState desired;
    private static RuntimeImage.Running shared;

    @BeforeAll
    static void start() throws IOException {
        RuntimeImage.assumeAvailable(APP_IMAGE);
        desired = render();
        shared = startReady(desired);
    }

    @AfterAll
    static void stop() {
        if (shared != null) shared.close();
    }

    /** The objects the operator makes for examples/jax-rs/gunicornserver.yaml, on the locally built image. */
    private static DesiredState render() throws IOException {
        GunicornServer server = Serialization.unmarshal(
                Files.readString(E2e.REPO.resolve("examples/jax-rs/gunicornserver.yaml")), GunicornServer.class);
        server.getMetadata().setNamespace("image-test");
        server.getSpec().setImage(APP_IMAGE);
        try {
            return DesiredState.compute(server, OperatorConfig.defaults());
        } catch (Exception e) {
            throw new AssertionError("the operator refuses examples/jax-rs/gunicornserver.yaml", e);
        }
    }

    /**
     * Creates and starts the container; returns once its readiness probe's endpoint answers 200, the moment a
     * Service would send it traffic. Not before: Jersey's first answer takes seconds while the worker boots, and a
     * client that gave up waiting would leave Jersey a closed connection to answer.
     */
    private static RuntimeImage.Running startReady(DesiredState desired) {
        long t0 = System.nanoTime();
        RuntimeImage.Running running = RuntimeImage.create(desired);
        try {
            running.await("/readyz answering 200", () -> running.answers(running.adminUri("/readyz")));
        } catch (RuntimeException | Error e) {
            running.close();
            throw e;
        }
        System.out.printf("image test: %s from create to Ready: %.1f s%n", APP_IMAGE, (System.nanoTime() - t0) / 1e9);
        return running;
    }

    @Test
    @DisplayName("path parameter, JSON POST answered with the stored item, mapped JSON 404; /metrics counts each")
    void answersAndCountsTheAnswers() throws Exception {
        HttpResponse<String> greet = send(HttpRequest.newBuilder(shared.appUri("/greet/Zo%C3%AB?greeting=Hi")));
        assertEquals(200, greet.statusCode(), greet.body());
        assertEquals("Hi, Zoë!", greet.body(), "the path parameter, percent-decoded as UTF-8");

        HttpResponse<String> created = send(HttpRequest.newBuilder(shared.appUri("/items"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"cup\",\"priceCents\":450}")));
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("{\"id\":100,\"name\":\"cup\",\"priceCents\":450}", created.body(), "the item as stored");
        String location = created.headers().firstValue("Location").orElseThrow();
        assertTrue(location.endsWith("/items/100"), "Location: " + location);

        HttpResponse<String> missing = send(HttpRequest.newBuilder(shared.appUri("/items/999")));
        assertEquals(404, missing.statusCode(), missing.body());
        assertEquals("application/json", missing.headers().firstValue("Content-Type").orElse(""), "the mapped 404's type");
        assertEquals("{\"error\":\"no item 999\",\"id\":999}", missing.body(), "the exception mapper's body");

        HttpResponse<String> unmatched = send(HttpRequest.newBuilder(shared.appUri("/no/such/path")));
        assertEquals(404, unmatched.statusCode(), unmatched.body());

        Map<String, Long> expected = Map.of("GET 200", 1L, "POST 201", 1L, "GET 404", 2L);
        // The container's only app requests before the last test's, summed over the workers' series.
        shared.await("/metrics counting " + expected, () -> requestsByMethodAndStatus().equals(expected));
    }

    @Test
    @DisplayName("the pod's one worker boots, and the start logs no warning (Jersey's on a JRE without java.desktop neither)")
    void bootsWithoutAWarning() {
        String stderr = shared.stderr();
        // the yaml's workers: 2 are two pods (the Deployment's replicas), each one worker process under its master
        assertEquals(1, stderr.lines().filter(l -> l.contains("[INFO] Booting worker")).count(), stderr);
        String both = shared.stdout() + stderr;
        assertFalse(RuntimeImage.WARNING.matcher(both).find(), "a warning at start:\n" + both);
    }

    /** The last test: it stops the one container (a second container would double the class's time). */
    @Test
    @Order(Integer.MAX_VALUE)
    @DisplayName("stop (TERM) with an upload in flight: the upload finishes after TERM, is echoed whole, exit 0")
    void finishesAnUploadInFlightOnStop() throws Exception {
        long grace = desired.deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        byte[] beforeTerm = "sent before TERM, ".getBytes(StandardCharsets.US_ASCII);
        byte[] afterTerm = "sent after it".getBytes(StandardCharsets.US_ASCII);
        String answer;
        CompletableFuture<Long> stopped;
        try (Socket s = new Socket("127.0.0.1", shared.appUri("/").getPort())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(grace));
            OutputStream out = s.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: catalog\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                    + "Content-Length: " + (beforeTerm.length + afterTerm.length) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(beforeTerm);
            out.flush();
            shared.awaitMetric("gunicorn_requests_in_flight", 1); // Jersey's echo is reading the body
            stopped = CompletableFuture.supplyAsync(() -> shared.stop(grace));
            // Polled here, not with shared.await(): podman reports a stopping container as not running.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(grace);
            while (!shared.stderr().contains("Handling signal: term")) {
                assertTrue(System.nanoTime() < deadline, "no TERM handled within " + grace + " s:\n" + shared.stderr());
                Thread.sleep(50);
            }
            out.write(afterTerm);
            out.flush();
            answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        long nanos = stopped.get(grace, TimeUnit.SECONDS);
        System.out.printf("image test: %s stopped with an upload in flight in %.1f s (grace %d s)%n", APP_IMAGE, nanos / 1e9, grace);
        assertTrue(answer.startsWith("HTTP/1.1 200 "), "the upload's answer:\n" + answer);
        assertTrue(answer.contains("sent before TERM, sent after it"), "the upload echoed whole:\n" + answer);
        assertEquals(0L, shared.inspect().getState().getExitCodeLong(), "exit code after stop:\n" + shared.stdout() + shared.stderr());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** gunicorn_requests_total from the admin port's /metrics, summed over the workers: "GET 200" to the count. */
    private static Map<String, Long> requestsByMethodAndStatus() {
        HttpResponse<String> metrics;
        try {
            metrics = send(HttpRequest.newBuilder(shared.adminUri("/metrics")));
        } catch (Exception e) {
            throw new AssertionError("scraping /metrics", e);
        }
        assertEquals(200, metrics.statusCode(), "/metrics");
        Map<String, Long> counts = new TreeMap<>();
        metrics.body().lines().filter(l -> l.startsWith("gunicorn_requests_total{")).forEach(l -> {
            String key = label(l, "method") + " " + label(l, "status");
            counts.merge(key, (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)), Long::sum);
        });
        return counts;
    }

    private static String label(String sample, String name) {
        int start = sample.indexOf(name + "=\"") + name.length() + 2;
        return sample.substring(start, sample.indexOf('"', start));
    }
}
