package dev.jgunicorn.operator.endpoints;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The operator process's /healthz, /readyz and /metrics (Prometheus text), on the JDK's own HTTP server.
 * Not the runtime's AdminServer: the operator does not depend on the runtime, and these answer for informers and
 * java-operator-sdk's meters, not for a worker.
 */
public final class OperatorEndpoints implements AutoCloseable {
    private final HttpServer server;

    public OperatorEndpoints(int port, BooleanSupplier healthy, BooleanSupplier ready, PrometheusMeterRegistry registry)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(port), 16);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "operator-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/healthz", ex -> answer(ex, healthy.getAsBoolean() ? 200 : 503,
                healthy.getAsBoolean() ? "ok\n" : "informers unhealthy\n", "text/plain"));
        server.createContext("/readyz", ex -> answer(ex, ready.getAsBoolean() ? 200 : 503,
                ready.getAsBoolean() ? "ok\n" : "starting\n", "text/plain"));
        server.createContext("/metrics", ex -> answer(ex, 200, registry.scrape(),
                "text/plain; version=0.0.4; charset=utf-8"));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange ex, int status, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
