package dev.jgunicorn.operator.reconciler;

import dev.jgunicorn.operator.GunicornOperator;
import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerStatus;
import dev.jgunicorn.operator.api.v1alpha1.MetricsSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A cluster without the Prometheus Operator: a GunicornServer asking for a PodMonitor gets everything else, is
 * Degraded with reason PodMonitorUnavailable (not a failed reconciliation), and the operator never watches or
 * writes PodMonitors. The mock API server answers 404 for the PodMonitor API, as a cluster without its CRD does.
 */
@EnableKubernetesMockClient(crud = true)
class PodMonitorUnavailableTest {
    private static final String NS = "bare";
    static KubernetesClient client;
    static KubernetesMockServer server;

    @Test
    void aPodMonitorTheClusterDoesNotServeDegradesOnlyThatPart() throws Exception {
        server.expect().get().withPath("/apis/monitoring.coreos.com/v1/namespaces/" + NS + "/podmonitors?limit=1")
                .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound")
                        .withMessage("the server could not find the requested resource").build())
                .always();
        client.resource(Serialization.unmarshal(Servers.generatedCrd(), CustomResourceDefinition.class)).create();
        OperatorConfig config = OperatorConfig.defaults().withServerSideApply(false).withNamespaces(Set.of(NS)).withHttpPort(-1);
        try (GunicornOperator operator = GunicornOperator.start(client, config, new SimpleMeterRegistry())) {
            GunicornServer s = Servers.demo("mon");
            s.getMetadata().setUid(null);
            s.getMetadata().setNamespace(NS);
            s.getSpec().setMetrics(new MetricsSpec());
            s.getSpec().getMetrics().setPodMonitor(true);
            client.resource(s).create();

            Condition degraded = await(() -> {
                GunicornServer now = client.resources(GunicornServer.class).inNamespace(NS).withName("mon").get();
                return now.getStatus() == null ? null : now.getStatus().condition(GunicornServerStatus.DEGRADED).orElse(null);
            });
            assertEquals("PodMonitorUnavailable", degraded.getReason(), degraded.getMessage());
            assertEquals("spec.metrics.podMonitor is true but this cluster does not serve monitoring.coreos.com/v1"
                    + " PodMonitor (install the Prometheus Operator's CRDs, or use spec.metrics.scrapeAnnotations)",
                    degraded.getMessage());
            assertNotNull(client.apps().deployments().inNamespace(NS).withName("mon").get(), "the workers are applied");
            assertNotNull(client.services().inNamespace(NS).withName("mon").get(), "the Service is applied");
            assertTrue(operator.healthy(), "no informer fails for the missing API");
        }
        List<String> podMonitorCalls = new ArrayList<>();
        for (RecordedRequest r; (r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null; ) {
            if (r.getPath().contains("/podmonitors")) podMonitorCalls.add(r.getMethod() + " " + r.getPath());
        }
        assertTrue(podMonitorCalls.stream().allMatch(c -> c.equals("GET /apis/monitoring.coreos.com/v1/namespaces/"
                + NS + "/podmonitors?limit=1")), "only asked whether the API is served: " + podMonitorCalls);
        assertTrue(!podMonitorCalls.isEmpty(), "the API was asked about");
    }

    private static <T> T await(java.util.function.Supplier<T> probe) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            T v = probe.get();
            if (v != null) return v;
            Thread.sleep(50);
        }
        return fail("timed out waiting for the Degraded condition");
    }
}
