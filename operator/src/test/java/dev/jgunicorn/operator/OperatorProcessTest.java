package dev.jgunicorn.operator;

import dev.jgunicorn.operator.endpoints.OperatorEndpoints;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator process's pieces: configuration from the chart's environment, health and Prometheus metrics. */
@EnableKubernetesMockClient(crud = true)
class OperatorProcessTest {
    static KubernetesClient client;

    @Test
    void healthReadinessAndJosdkMetricsAreServed() throws Exception {
        client.resource(Serialization.unmarshal(Servers.generatedCrd(), CustomResourceDefinition.class)).create();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        OperatorConfig config = OperatorConfig.defaults().withServerSideApply(false).withNamespaces(Set.of("metrics"));
        try (GunicornOperator operator = GunicornOperator.start(client, config, registry);
             OperatorEndpoints http = new OperatorEndpoints(0, operator::healthy, operator::ready, registry)) {
            var demo = Servers.demo("m");
            demo.getMetadata().setNamespace("metrics");
            demo.getMetadata().setUid(null);
            client.resource(demo).create();
            long end = System.nanoTime() + 20_000_000_000L;
            while (client.apps().deployments().inNamespace("metrics").withName("m").get() == null && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            HttpClient web = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + http.port();
            assertEquals(200, web.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, web.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> metrics = web.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("operator_sdk_reconciliations_started_total"), metrics.body());
            assertTrue(metrics.body().contains("gunicornserver"), "metrics are per controller");
        }
    }

    @Test
    void theEnvironmentConfiguresTheOperatorAndBadValuesNameTheVariable() {
        OperatorConfig c = OperatorConfig.fromEnv(Map.of("JGUNICORN_WATCH_NAMESPACES", "shop, blog",
                "JGUNICORN_DEFAULT_IMAGE", "registry.example/jgunicorn:1", "JGUNICORN_LEADER_ELECTION_LEASE", "jgo",
                "POD_NAMESPACE", "ops", "JGUNICORN_HTTP_PORT", "9090"));
        assertEquals(Set.of("shop", "blog"), c.namespaces());
        assertEquals("registry.example/jgunicorn:1", c.defaultImage());
        assertEquals("jgo", c.leaderElection());
        assertEquals("ops", c.leaseNamespace());
        assertEquals(9090, c.httpPort());
        assertTrue(c.serverSideApply(), "a cluster always gets server-side apply");
        OperatorConfig d = OperatorConfig.fromEnv(Map.of());
        assertTrue(d.namespaces().isEmpty());
        assertEquals(OperatorConfig.DEFAULT_RUNTIME_IMAGE, d.defaultImage());
        assertEquals(null, d.leaderElection());
        var noNamespace = assertThrows(IllegalArgumentException.class,
                () -> OperatorConfig.fromEnv(Map.of("JGUNICORN_LEADER_ELECTION_LEASE", "jgo")));
        assertTrue(noNamespace.getMessage().contains("POD_NAMESPACE"));
        var badPort = assertThrows(IllegalArgumentException.class,
                () -> OperatorConfig.fromEnv(Map.of("JGUNICORN_HTTP_PORT", "70000")));
        assertEquals("JGUNICORN_HTTP_PORT=70000 is out of range (allowed: -1 to 65535)", badPort.getMessage());
        OperatorConfig paced = OperatorConfig.fromEnv(Map.of("JGUNICORN_RECONCILE_THREADS", "32",
                "JGUNICORN_API_QPS", "150", "JGUNICORN_API_BURST", "300"));
        assertEquals(32, paced.reconcileThreads());
        assertEquals(150, paced.apiQps());
        assertEquals(300, paced.apiBurst());
        var badQps = assertThrows(IllegalArgumentException.class,
                () -> OperatorConfig.fromEnv(Map.of("JGUNICORN_API_QPS", "0")));
        assertEquals("JGUNICORN_API_QPS=0 is out of range (allowed: 1 to 10000)", badQps.getMessage());
    }
}
