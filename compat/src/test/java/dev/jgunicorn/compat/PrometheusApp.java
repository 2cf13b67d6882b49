package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;

/** An app on Prometheus client_java: its exporter's MetricsHandler (also jgunicorn's APP) over a fixed registry. */
public final class PrometheusApp {
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

    private PrometheusApp() {
    }

    public static HttpHandler handler() {
        return new MetricsHandler(REGISTRY);
    }
}
