package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.compat.Wire.Request;
import dev.jgunicorn.server.WorkerModel;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prometheus client_java's exporter answers the same on jgunicorn as on the JDK's server: its MetricsHandler in
 * every worker class, and its HTTPServer, which makes its own server with {@code HttpServer.create()} and so gets
 * jgunicorn's when jgunicorn is on the class path. Text and OpenMetrics formats, name filters, gzip and HEAD.
 */
class PrometheusCompatTest {
    static final String APP = "prometheus-metrics-exporter-httpserver";
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
        HttpServer jdk = Servers.start(Servers.JDK, PrometheusApp.handler());
        HttpServer ours = Servers.start(Servers.jgunicorn(model), PrometheusApp.handler());
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
        HttpServer jdk = Servers.start(Servers.JDK, PrometheusApp.handler());
        try (HTTPServer exporter = HTTPServer.builder().hostname("127.0.0.1").port(0).registry(PrometheusApp.REGISTRY).buildAndStart()) {
            Comparison.assertSameAnswers(APP, "HttpServer.create()", jdk.getAddress().getPort(), exporter.getPort(), REQUESTS);
        } finally {
            jdk.stop(0);
        }
    }

    /**
     * client_java 1.10 on the jgunicorn command's --classpath: the runtime's own copy (Micrometer's, 1.7) is
     * relocated in its jar, so the app gets its own classes (with 1.7's it failed with a NoSuchMethodError, a 500).
     */
    @Test
    void exporterOnTheClasspathOfTheJgunicornCommand(@TempDir Path dir) throws Exception {
        List<String> classpath = new ArrayList<>(List.of(Path.of("target/test-classes").toAbsolutePath().toString()));
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.contains("/io/prometheus/") && e.contains("1.10.0")).forEach(classpath::add);
        HttpServer jdk = Servers.start(Servers.JDK, PrometheusApp.handler());
        try (JgunicornProcess ours = new JgunicornProcess(dir, classpath, "gthread", "dev.jgunicorn.compat.PrometheusApp:handler")) {
            Comparison.assertSameAnswers(APP, "jgunicorn -k gthread", jdk.getAddress().getPort(), ours.port, REQUESTS);
        } finally {
            jdk.stop(0);
        }
    }
}
