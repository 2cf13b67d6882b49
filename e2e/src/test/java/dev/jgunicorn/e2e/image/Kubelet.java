package dev.jgunicorn.e2e.image;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the kubelet does with one pod's container, as far as a user notices it: readiness and liveness HTTP probes
 * on the paths, ports, periods, timeouts and thresholds of the pod spec (the first probe at start, then one per
 * period, as the kubelet's probe workers do for a new pod), and termination (not ready, the preStop sleep, TERM
 * with what is left of the grace period, KILL after it). A liveness probe reaching its failure threshold is
 * recorded, not acted on: a kubelet would restart the container, and the tests assert it never comes to that.
 */
final class Kubelet implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String pod;
    private final RuntimeImage.Running container;
    private final Container spec;
    private final long gracePeriodSeconds;
    private final long startedNanos;
    private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(2);
    private final List<String> transitions = new CopyOnWriteArrayList<>();
    private volatile boolean ready;
    private volatile boolean terminating;
    private volatile boolean livenessFailed;
    private volatile double readyAfterSeconds = Double.NaN;
    // Consecutive outcomes, each touched only by its probe's task (a fixed-rate task never overlaps itself).
    private int readinessSuccesses;
    private int readinessFailures;
    private int livenessFailures;

    /** Starts probing a container the engine just started (t = 0 for the times recorded). */
    Kubelet(String pod, PodSpec podSpec, RuntimeImage.Running container) {
        this.pod = pod;
        this.container = container;
        this.spec = podSpec.getContainers().getFirst();
        this.gracePeriodSeconds = podSpec.getTerminationGracePeriodSeconds();
        this.startedNanos = System.nanoTime();
        schedule(spec.getReadinessProbe(), this::readiness);
        schedule(spec.getLivenessProbe(), this::liveness);
    }

    private interface Outcome {
        void record(boolean passed, Probe probe);
    }

    private void schedule(Probe probe, Outcome outcome) {
        URI uri = uri(probe.getHttpGet());
        long period = probe.getPeriodSeconds();
        probes.scheduleAtFixedRate(() -> outcome.record(passes(uri, probe.getTimeoutSeconds()), probe),
                probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds(), period, TimeUnit.SECONDS);
    }

    private URI uri(HTTPGetAction get) {
        IntOrString port = get.getPort();
        int containerPort = port.getIntVal() != null ? port.getIntVal() : spec.getPorts().stream()
                .filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("probe port " + port.getStrVal() + " is not declared by the container"));
        return URI.create("http://127.0.0.1:" + container.hostPort(containerPort) + get.getPath());
    }

    /** The kubelet's HTTP probe: a status from 200 to 399 within the timeout passes. */
    private static boolean passes(URI uri, int timeoutSeconds) {
        try {
            int status = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(timeoutSeconds)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            return status >= 200 && status < 400;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void readiness(boolean passed, Probe probe) {
        if (terminating) return;
        readinessSuccesses = passed ? readinessSuccesses + 1 : 0;
        readinessFailures = passed ? 0 : readinessFailures + 1;
        int successThreshold = probe.getSuccessThreshold() == null ? 1 : probe.getSuccessThreshold();
        if (!ready && readinessSuccesses >= successThreshold) {
            readyAfterSeconds = seconds();
            ready = true;
            record("Ready");
        } else if (ready && readinessFailures >= probe.getFailureThreshold()) {
            ready = false;
            record("not Ready (readiness failed " + readinessFailures + " times)");
        }
    }

    private void liveness(boolean passed, Probe probe) {
        if (terminating) return; // a stopping container's failures restart nothing
        livenessFailures = passed ? 0 : livenessFailures + 1;
        if (!livenessFailed && livenessFailures >= probe.getFailureThreshold()) {
            livenessFailed = true;
            record("liveness failed " + livenessFailures + " times: a kubelet would restart the container");
        }
    }

    private double seconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private void record(String what) {
        transitions.add(String.format("%.1f s %s", seconds(), what));
    }

    boolean ready() {
        return ready && !terminating;
    }

    boolean livenessFailed() {
        return livenessFailed;
    }

    List<String> transitions() {
        return List.copyOf(transitions);
    }

    /** Waits for the readiness probe to pass; returns the seconds from the container's start. */
    double awaitReady() {
        container.await(pod + " Ready", this::ready);
        return readyAfterSeconds;
    }

    /**
     * Deletes the pod as the kubelet carries it out: not Ready at once (the endpoints drop it), the preStop sleep,
     * then TERM with what is left of terminationGracePeriodSeconds (the engine KILLs after it). Returns the seconds
     * from the deletion to the container's exit.
     */
    double terminate(Runnable atTerm) throws InterruptedException {
        long t0 = System.nanoTime();
        terminating = true;
        record("terminating: not Ready");
        long preStop = spec.getLifecycle() == null || spec.getLifecycle().getPreStop() == null ? 0
                : spec.getLifecycle().getPreStop().getSleep().getSeconds();
        Thread.sleep(Duration.ofSeconds(preStop));
        atTerm.run();
        long left = gracePeriodSeconds - (long) Math.ceil((System.nanoTime() - t0) / 1e9); // never more than the pod has left
        record("TERM, " + left + " s of grace left");
        container.stop(left);
        record("exited " + container.inspect().getState().getExitCodeLong());
        return (System.nanoTime() - t0) / 1e9;
    }

    long gracePeriodSeconds() {
        return gracePeriodSeconds;
    }

    @Override
    public void close() {
        probes.shutdownNow();
    }
}
