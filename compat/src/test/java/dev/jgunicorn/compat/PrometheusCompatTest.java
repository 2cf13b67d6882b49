package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.compat.Wire.Request;
import dev.jgunicorn.server.WorkerModel;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

/**
 * Prometheus client_java's exporter answers the same on jgunicorn as on the JDK's server: its MetricsHandler in
 * every worker class, and its HTTPServer, which makes its own server with {@code HttpServer.create()} and so gets
 * jgunicorn's when jgunicorn is on the class path. Text and OpenMetrics formats, name filters, gzip and HEAD.
 */
class PrometheusCompatTest {
    static final String APP = "prometheus-metrics-exporter-httpserver";
    static final PrometheusRegistry REGISTRY = new PrometheusRegistry();

    static {
        // fixed values, no timestamps: the same exposition on every scrape
        REGISTRY.register(() -> CounterSnapshot.builder().name("orders").help("Orders placed")
                .dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("shop", "north")).value(3).build())
                .dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("shop", "south")).value(5).build())
                .build());
        REGISTRY.register(() -> CounterSnapshot.builder().name("refunds").help("Refunds paid")
                .dataPoint(CounterDataPointSnapshot.builder().value(1).build())
                .build());
    }

    static final List<Request> REQUESTS = List.of(
            Request.get("/metrics"),
            Request.get("/metrics?name[]=orders_total"),
            Request.get("/metrics", "Accept: application/openmetrics-text; version=1.0.0; charset=utf-8"),
            Request.get("/metrics", "Accept-Encoding: gzip"),
            Request.get("/metrics?debug=openmetrics"),
            Request.head("/metrics"));

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void metricsHandlerAnswersAsOnTheJdksServer(WorkerModel model) throws Exception {
        HttpServer jdk = Servers.start(Servers.JDK, new MetricsHandler(REGISTRY));
        HttpServer ours = Servers.start(Servers.jgunicorn(model), new MetricsHandler(REGISTRY));
        try {
            Comparison.assertSameAnswers(APP, model.settingValue, jdk, ours, REQUESTS);
        } finally {
            ours.stop(0);
            jdk.stop(0);
        }
    }

    /** HTTPServer.builder()...buildAndStart() calls HttpServer.create(): the answers carry Server: jgunicorn. */
    @Test
    void httpServerTheExporterCreatesIsJgunicorns() throws Exception {
        HttpServer jdk = Servers.start(Servers.JDK, new MetricsHandler(REGISTRY));
        try (HTTPServer exporter = HTTPServer.builder().hostname("127.0.0.1").port(0).registry(REGISTRY).buildAndStart()) {
            Comparison.assertSameAnswers(APP, "HttpServer.create()", jdk.getAddress().getPort(), exporter.getPort(), REQUESTS);
        } finally {
            jdk.stop(0);
        }
    }
}
