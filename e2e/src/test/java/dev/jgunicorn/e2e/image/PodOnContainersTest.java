package dev.jgunicorn.e2e.image;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.desired.DesiredState;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pod contract on real containers: the pod spec the operator generates ({@link DesiredState#compute}, in
 * process, no API server) run by the engine as a kubelet would run it, with {@link Kubelet} probing and
 * terminating it. What a user of a cluster would notice: the pod becomes Ready, a deletion loses no request, a
 * rolling update behind an endpoints-aware client fails none, and recycling workers never restarts the container.
 */
@DisplayName("the operator's pod on real containers: probes, preStop, TERM, a rolling update, recycling")
class PodOnContainersTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void imageBuilt() {
        RuntimeImage.assumeAvailable(render("probe", "").image());
    }

    /** The objects the operator makes for the slow demo app; {@code extra} adds spec fields. */
    private static DesiredState render(String name, String extra) {
        GunicornServer server = Serialization.unmarshal("""
                apiVersion: jgunicorn.dev/v1alpha1
                kind: GunicornServer
                metadata: {name: %s, namespace: image-test}
                spec: {app: dev.jgunicorn.demo.Slow, gracefulTimeout: 10, preStopDelaySeconds: 1%s}
                """.formatted(name, extra), GunicornServer.class);
        try {
            return DesiredState.compute(server, OperatorConfig.defaults());
        } catch (Exception e) {
            throw new AssertionError("the operator refuses the test's GunicornServer", e);
        }
    }

    private static PodSpec podSpec(DesiredState desired) {
        return desired.deployment().getSpec().getTemplate().getSpec();
    }

    /** A pod of the Deployment: its container started by the engine, probed from that moment. */
    private record Pod(String name, RuntimeImage.Running container, Kubelet kubelet) implements AutoCloseable {
        static Pod start(String name, DesiredState desired) {
            RuntimeImage.Running container = RuntimeImage.create(desired);
            return new Pod(name, container, new Kubelet(name, podSpec(desired), container));
        }

        double awaitReady() {
            double seconds = kubelet.awaitReady();
            System.out.printf("image test: pod %s from container start to Ready: %.1f s%n", name, seconds);
            return seconds;
        }

        void assertNeverRestartedByLiveness() {
            assertFalse(kubelet.livenessFailed(), name + ": " + kubelet.transitions() + "\n" + container.stdout() + container.stderr());
        }

        @Override
        public void close() {
            kubelet.close();
            container.close();
        }
    }

    @Test
    @DisplayName("Ready by its readiness probe; deleted: preStop, TERM, the request in flight completes, exit 0 within the grace period")
    void becomesReadyAndStopsAsTheKubeletStopsIt() throws Exception {
        try (Pod pod = Pod.start("stop", render("stop", ""))) {
            pod.awaitReady();
            AtomicReference<CompletableFuture<HttpResponse<String>>> inFlight = new AtomicReference<>();
            double stopped = pod.kubelet().terminate(() -> {
                inFlight.set(HTTP.sendAsync(HttpRequest.newBuilder(pod.container().appUri("/?ms=2000")).build(),
                        HttpResponse.BodyHandlers.ofString()));
                pod.container().awaitMetric("gunicorn_requests_in_flight", 1);
            });
            long grace = pod.kubelet().gracePeriodSeconds();
            System.out.printf("image test: pod stop (preStop 1 s, TERM with a 2 s request in flight) took %.1f s (grace %d s); %s%n",
                    stopped, grace, pod.kubelet().transitions());
            assertEquals("slept 2000 ms", inFlight.get().get(grace, TimeUnit.SECONDS).body().strip(), "the request in flight at TERM");
            // 0, not 137: the engine KILLs at the end of the grace period, so 0 is an exit within it.
            assertEquals(0L, pod.container().inspect().getState().getExitCodeLong(),
                    "exit code after TERM:\n" + pod.container().stdout() + pod.container().stderr());
            pod.assertNeverRestartedByLiveness();
        }
    }

    /** A client behind an endpoints-aware proxy: round-robin over the Ready pods in its list, one request at a time. */
    private static final class Client implements AutoCloseable {
        final List<Pod> endpoints = new CopyOnWriteArrayList<>();
        final AtomicInteger sentToOld = new AtomicInteger();
        final AtomicInteger sentToNew = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final Pod newPod;
        private final Thread thread;
        private volatile boolean stop;

        Client(Pod oldPod, Pod newPod) {
            this.newPod = newPod;
            endpoints.add(oldPod);
            thread = Thread.ofPlatform().name("endpoints-client").start(this::run);
        }

        private void run() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90); // bounded even if a pod never gets Ready
            for (int i = 0; !stop && System.nanoTime() < deadline; i++) {
                List<Pod> ready = endpoints.stream().filter(p -> p.kubelet().ready()).toList();
                if (ready.isEmpty()) {
                    failures.add("no Ready endpoint");
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                Pod pod = ready.get(i % ready.size());
                URI uri = pod.container().appUri("/?ms=10");
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) failures.add(pod.name() + ": " + r.statusCode() + " " + r.body());
                    else (pod == newPod ? sentToNew : sentToOld).incrementAndGet();
                } catch (IOException e) {
                    failures.add(pod.name() + ": " + e);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }

    @Test
    @DisplayName("rolling update: the new pod joins once Ready, the old one leaves, preStop, TERM: no request fails")
    void rollsWithoutAFailedRequest() throws Exception {
        DesiredState oldState = render("roll", "");
        DesiredState newState = render("roll", ", timeout: 31"); // the next ReplicaSet: a changed config
        assertNotEquals(oldState.configMap().getMetadata().getName(), newState.configMap().getMetadata().getName(),
                "a changed config is a new ConfigMap");
        try (Pod old = Pod.start("roll-old", oldState)) {
            old.awaitReady();
            try (Pod next = Pod.start("roll-new", newState)) {
                Client client = new Client(old, next);
                try (client) {
                    next.awaitReady();
                    client.endpoints.add(next);
                    Thread.sleep(1000); // both serve a while, as while a rollout waits for the next pod
                    client.endpoints.remove(old);
                    double stopped = old.kubelet().terminate(() -> { });
                    System.out.printf("image test: old pod deleted to exit %.1f s; %s%n", stopped, old.kubelet().transitions());
                    Thread.sleep(1000); // the new pod alone
                }
                System.out.printf("image test: rolling update: %d requests to the old pod, %d to the new, %d failed%n",
                        client.sentToOld.get(), client.sentToNew.get(), client.failures.size());
                assertEquals(List.of(), client.failures, "failed requests across the roll");
                assertTrue(client.sentToOld.get() > 0 && client.sentToNew.get() > 0,
                        "both pods served: old " + client.sentToOld + ", new " + client.sentToNew);
                assertEquals(0L, old.container().inspect().getState().getExitCodeLong(),
                        "the old pod's exit code:\n" + old.container().stdout() + old.container().stderr());
                old.assertNeverRestartedByLiveness();
                next.assertNeverRestartedByLiveness();
            }
        }
    }

    @Test
    @DisplayName("maxRequests: 5 and 30 requests: workers come and go inside the container, which never restarts")
    void recyclesWorkersInsideTheContainer() throws Exception {
        try (Pod pod = Pod.start("recycle", render("recycle", ", maxRequests: 5"))) {
            pod.awaitReady();
            InspectContainerResponse before = pod.container().inspect();
            long master = before.getState().getPidLong();
            Set<String> workers = new TreeSet<>();
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(pod.container().appUri("/?ms=0"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), "request " + i + ": " + r.body());
                workers.addAll(children(pod, master));
            }
            String workerRss = children(pod, master).stream().findFirst()
                    .map(w -> rss(pod.container().procFile(Long.parseLong(w), "status"))).orElse("none");
            System.out.printf("image test: 30 requests with maxRequests 5: %d worker processes %s under PID 1; RSS: master %s, worker %s; %s%n",
                    workers.size(), workers, rss(pod.container().procFile("status")), workerRss, pod.kubelet().transitions());
            InspectContainerResponse after = pod.container().inspect();
            assertTrue(after.getState().getRunning(), "the container is running");
            assertEquals(master, after.getState().getPidLong(), "the container's PID 1 (the master)");
            assertEquals(before.getState().getStartedAt(), after.getState().getStartedAt(), "the container's start");
            assertEquals(0, after.getRestartCount(), "the container's restart count");
            // 30 requests, 5 per worker: the sixth worker serves the last five; fewer means no recycling.
            assertTrue(workers.size() >= 6, "worker processes seen under PID 1: " + workers);
            pod.assertNeverRestartedByLiveness();
        }
    }

    /**
     * PID 1's children as this host numbers them: the worker JVM (two while one replaces the other). Each thread
     * has its own list (the one that started the process is its parent), so all of the master's are read.
     */
    private static Set<String> children(Pod pod, long master) throws IOException {
        Set<String> children = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(master), "task"))) {
            for (Path task : tasks.toList()) {
                String list;
                try {
                    list = pod.container().procFile(master, "task/" + task.getFileName() + "/children").strip();
                } catch (UncheckedIOException gone) { // a thread that ended since the listing
                    continue;
                }
                if (!list.isEmpty()) children.addAll(List.of(list.split(" ")));
            }
        }
        return children;
    }

    private static String rss(String status) {
        return status.lines().filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow().substring(6).strip();
    }
}
