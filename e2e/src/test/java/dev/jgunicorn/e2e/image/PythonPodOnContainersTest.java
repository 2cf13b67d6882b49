package dev.jgunicorn.e2e.image;

import com.github.dockerjava.api.command.WaitContainerResultCallback;
import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.DesiredState;
import dev.jgunicorn.operator.desired.GunicornPod;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame.OutputType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GunicornServer with {@code server: gunicorn} as the operator renders its pod ({@link DesiredState#compute}, no
 * API server), on real containers: examples/python-app's image (Flask under PyPI's Gunicorn 27, built by
 * docker/build-python-app) and the jgunicorn sidecar from the runtime image. The sidecar's container holds the
 * pod's network and process namespaces (the pause container's job in a pod) and starts first, as a native sidecar
 * does; the app's container joins them; both share the pod's /tmp (the pidfile). What a user of the pod notices:
 * the app answers, the sidecar's /metrics counts its requests from Gunicorn's statsd, /readyz and /healthz follow
 * the app, and a deletion under load fails no request the app had before TERM, with the sidecar outliving the app.
 */
@DisplayName("a Python GunicornServer's pod on real containers: Flask under Gunicorn 27 beside the jgunicorn sidecar")
class PythonPodOnContainersTest {
    /** docker/build-python-app tags it like the runtime image. */
    private static final String APP_IMAGE = OperatorConfig.DEFAULT_RUNTIME_IMAGE.replace("/runtime:", "/python-app:");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void imagesBuilt() {
        RuntimeImage.assumeAvailable(OperatorConfig.DEFAULT_RUNTIME_IMAGE);
        RuntimeImage.assumeAvailable(APP_IMAGE);
    }

    /** examples/python.yaml's server on the locally built image, one pod. */
    private static DesiredState render() {
        GunicornServer server = Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: flask, namespace: image-test}
                spec:
                  server: gunicorn
                  image: %s
                  app: app:app
                  configFile: /app/gunicorn.conf.py
                  workerClass: gthread
                  threads: 4
                  gracefulTimeout: 10
                  preStopDelaySeconds: 1
                  settings: {statsd_prefix: flask}
                """.formatted(APP_IMAGE), GunicornServer.class);
        try {
            return DesiredState.compute(server, OperatorConfig.defaults());
        } catch (Exception e) {
            throw new AssertionError("the operator refuses the test's GunicornServer", e);
        }
    }

    /** The pod: the sidecar's container (with the pod's namespaces and published ports), then the app's. */
    private static final class Pod implements AutoCloseable {
        final PodSpec spec;
        final Container appSpec;
        final Container sidecarSpec;
        final RuntimeImage.Running sidecar;
        private final Path volumes;
        private GenericContainer<?> app;

        /** Starts the sidecar and waits for its startup probe, after which a kubelet starts the app's container. */
        Pod(DesiredState desired) {
            spec = desired.deployment().getSpec().getTemplate().getSpec();
            sidecarSpec = spec.getInitContainers().getFirst();
            assertEquals(GunicornPod.SIDECAR_CONTAINER, sidecarSpec.getName(), "the first init container");
            assertEquals("Always", sidecarSpec.getRestartPolicy(), "the sidecar is a native sidecar");
            appSpec = spec.getContainers().getFirst();
            int appPort = port(appSpec, DesiredState.HTTP_PORT_NAME);
            int adminPort = port(sidecarSpec, DesiredState.ADMIN_PORT_NAME);
            volumes = RuntimeImage.materialiseVolumes(desired);
            GenericContainer<?> g = RuntimeImage.container(spec, sidecarSpec, volumes).withExposedPorts(appPort, adminPort);
            g.withCreateContainerCmdModifier(cmd -> RuntimeImage.publishOnLoopback(cmd.getHostConfig(), appPort, adminPort));
            g.start();
            sidecar = new RuntimeImage.Running(g, appPort, adminPort, volumes);
            String startupPath = sidecarSpec.getStartupProbe().getHttpGet().getPath();
            sidecar.await("the sidecar's startup probe " + startupPath, () -> status(sidecar.adminUri(startupPath)) == 200);
        }

        /** The app's container in the sidecar's network and process namespaces (shareProcessNamespace: true). */
        void startApp() {
            String pod = "container:" + sidecarId();
            app = RuntimeImage.container(spec, appSpec, volumes);
            app.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withNetworkMode(pod).withPidMode(pod));
            app.start();
        }

        String sidecarId() {
            return sidecar.inspect().getId();
        }

        URI app(String path) {
            return sidecar.appUri(path);
        }

        URI admin(String path) {
            return sidecar.adminUri(path);
        }

        String logs() {
            return "app:\n" + (app == null ? "" : app.getLogs(OutputType.STDOUT) + app.getLogs(OutputType.STDERR))
                    + "sidecar:\n" + sidecar.stdout() + sidecar.stderr();
        }

        /** TERM to a container (no wait). */
        void term(String containerId) {
            RuntimeImage.docker().killContainerCmd(containerId).withSignal("TERM").exec();
        }

        /** Waits for a container to exit (the engine KILLs nothing here: the caller's bound is the grace period); its exit code. */
        long awaitExit(String containerId, long seconds) {
            return RuntimeImage.docker().waitContainerCmd(containerId).exec(new WaitContainerResultCallback())
                    .awaitStatusCode(seconds, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            if (app != null) app.stop();
            sidecar.close();
        }
    }

    private static int port(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst().orElseThrow().getContainerPort();
    }

    private static int status(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of one sample of the sidecar's /metrics, or null. */
    private static Double sample(Pod pod, String name) throws IOException, InterruptedException {
        return get(pod.admin("/metrics")).lines().filter(l -> l.startsWith(name + " "))
                .map(l -> Double.parseDouble(l.substring(name.length() + 1))).findFirst().orElse(null);
    }

    private static void awaitSample(Pod pod, String name, double value) {
        pod.sidecar.await(name + " = " + value, () -> {
            try {
                Double v = sample(pod, name);
                return v != null && v == value;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
    }

    @Test
    @DisplayName("the app answers; the sidecar's /metrics counts its requests by status from Gunicorn's statsd; /readyz and /healthz follow the app")
    void sidecarSeesTheApp() throws Exception {
        try (Pod pod = new Pod(render())) {
            assertEquals(503, status(pod.admin("/readyz")), "/readyz before the app's container started");
            pod.startApp();
            pod.sidecar.await("/readyz 200 (the app accepts on its port)", () -> status(pod.admin("/readyz")) == 200);
            assertEquals(200, status(pod.admin("/healthz")), "/healthz with Gunicorn's master running:\n" + pod.logs());
            assertEquals("hello from flask", get(pod.app("/")).strip(), "the Flask app's answer");
            for (int i = 1; i < 20; i++) assertEquals(200, status(pod.app("/")), "request " + i);
            for (int i = 0; i < 3; i++) assertEquals(404, status(pod.app("/missing")), "a path the app does not route");

            awaitSample(pod, "gunicorn_requests_total{status=\"200\"}", 20);
            awaitSample(pod, "gunicorn_requests_total{status=\"404\"}", 3);
            assertEquals(23.0, sample(pod, "gunicorn_request_duration_seconds_count"), "one duration sample per request");
            assertEquals(1.0, sample(pod, "gunicorn_workers"), "Gunicorn's one worker per pod");
            // A new pod's sidecar starts from the class-data archive the image was built with (docker/train-sidecar)
            // and fits the memory the operator requests for it: the sidecar's lean options and archive at work.
            assertTrue(pod.sidecar.procFile("maps").contains(" /opt/jgunicorn/sidecar.jsa\n"),
                    "the sidecar maps the image's class-data archive:\n" + pod.sidecar.procFile("maps").lines().filter(l -> l.endsWith(".jsa")).toList());
            long rssBytes = Long.parseLong(pod.sidecar.procFile("status").lines().filter(l -> l.startsWith("VmRSS:"))
                    .findFirst().orElseThrow().replaceAll("\\D", "")) << 10;
            long request = Quantity.getAmountInBytes(pod.sidecarSpec.getResources().getRequests().get("memory")).longValueExact();
            System.out.printf("image test: python pod: 23 requests counted by the sidecar; its RSS %d MiB (request %d MiB)%n",
                    rssBytes >> 20, request >> 20);
            assertTrue(rssBytes <= request, "the sidecar's RSS " + (rssBytes >> 20) + " MiB within its memory request of " + (request >> 20) + " MiB");

            // The app's container stops (Gunicorn's master exits and removes its pidfile): both probes say so.
            pod.term(pod.app.getContainerId());
            assertEquals(0, pod.awaitExit(pod.app.getContainerId(), pod.spec.getTerminationGracePeriodSeconds()), "Gunicorn's exit after TERM:\n" + pod.logs());
            assertEquals(503, status(pod.admin("/readyz")), "/readyz once the app has exited");
            assertEquals(503, status(pod.admin("/healthz")), "/healthz once Gunicorn's master has exited");
        }
    }

    /**
     * One request of 200 ms (examples/python-app's /work), so that some are in Gunicorn's hands at any moment, on a
     * connection of its own (Connection: close), so a failure belongs to that request only; null when it succeeded.
     */
    private static String request(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /work?ms=200 HTTP/1.1\r\nHost: flask\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return response.startsWith("HTTP/1.1 200 ") && response.endsWith("worked 200 ms\n") ? null
                    : "answer: " + (response.isEmpty() ? "(none, connection closed)" : response.lines().findFirst().orElse(""));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Clients sending back to back, each request recorded with whether it started before TERM. */
    private static final class Load implements AutoCloseable {
        private static final int MAX_PER_CLIENT = 5000; // bounded whatever happens
        final AtomicInteger okBeforeTerm = new AtomicInteger();
        final AtomicInteger okAfterTerm = new AtomicInteger();
        final List<String> failedBeforeTerm = new CopyOnWriteArrayList<>();
        final List<String> failedAfterTerm = new CopyOnWriteArrayList<>();
        private final List<Thread> clients = new ArrayList<>();
        private volatile long termNanos = Long.MAX_VALUE;
        private volatile boolean stop;

        Load(int clients, int port) {
            for (int c = 0; c < clients; c++) {
                this.clients.add(Thread.ofPlatform().name("load-" + c).start(() -> {
                    for (int i = 0; i < MAX_PER_CLIENT && !stop; i++) {
                        long started = System.nanoTime();
                        String failure = request(port);
                        boolean beforeTerm = started < termNanos;
                        if (failure == null) (beforeTerm ? okBeforeTerm : okAfterTerm).incrementAndGet();
                        else (beforeTerm ? failedBeforeTerm : failedAfterTerm).add(failure);
                    }
                }));
            }
        }

        /** Marks the moment TERM is sent: requests started from now on may be refused. */
        void termSent() {
            termNanos = System.nanoTime();
        }

        int ok() {
            return okBeforeTerm.get() + okAfterTerm.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            for (Thread t : clients) t.join();
        }
    }

    @Test
    @DisplayName("deleted under load: preStop, TERM to the app, then to the sidecar: no request started before TERM fails, the sidecar counts every answer")
    void drainsUnderLoad() throws Exception {
        try (Pod pod = new Pod(render())) {
            pod.startApp();
            pod.sidecar.await("/readyz 200", () -> status(pod.admin("/readyz")) == 200);
            String appId = pod.app.getContainerId();
            long grace = pod.spec.getTerminationGracePeriodSeconds();
            long preStop = pod.appSpec.getLifecycle().getPreStop().getSleep().getSeconds();
            Load load = new Load(4, pod.sidecar.hostPort(port(pod.appSpec, DesiredState.HTTP_PORT_NAME)));
            long appExit;
            long t0;
            try (load) {
                pod.sidecar.await("40 answers under load", () -> load.ok() >= 40);
                // The kubelet's order for a native sidecar: the app's preStop, TERM to the app, and once it has
                // exited, TERM to the sidecar. The load keeps coming throughout, as from a client that ignores endpoints.
                Thread.sleep(Duration.ofSeconds(preStop));
                load.termSent();
                t0 = System.nanoTime();
                pod.term(appId);
                appExit = pod.awaitExit(appId, grace);
            }
            System.out.printf("image test: python pod deleted under load (4 clients): started before TERM %d answered, %d failed;"
                            + " after TERM %d answered, %d refused; app exited %d after %.1f s%n",
                    load.okBeforeTerm.get(), load.failedBeforeTerm.size(), load.okAfterTerm.get(), load.failedAfterTerm.size(),
                    appExit, (System.nanoTime() - t0) / 1e9);
            assertEquals(List.of(), load.failedBeforeTerm, "requests started before TERM that failed");
            assertEquals(0, appExit, "Gunicorn's exit code after TERM (0: a graceful stop):\n" + pod.logs());
            assertTrue(pod.sidecar.inspect().getState().getRunning(), "the sidecar outlives the app:\n" + pod.logs());
            assertEquals(503, status(pod.admin("/readyz")), "/readyz once the app has exited");
            // Every answer the app gave, during the drain too, reached the sidecar before it stopped.
            awaitSample(pod, "gunicorn_requests_total{status=\"200\"}", load.ok());
            pod.term(pod.sidecarId());
            assertEquals(143, pod.awaitExit(pod.sidecarId(), grace),
                    "the sidecar's exit after TERM (143: its own, not the engine's KILL):\n" + pod.logs());
        }
    }
}
