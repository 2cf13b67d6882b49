package dev.jgunicorn.metrics;

import dev.jgunicorn.server.RequestListener;
import dev.jgunicorn.server.WorkerServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A worker's request meters, named after Gunicorn's statsd metrics with Prometheus conventions:
 * {@code gunicorn_requests_total{method,status}}, {@code gunicorn_request_duration_seconds} (histogram),
 * {@code gunicorn_requests_in_flight}, {@code gunicorn_connections_active} and body bytes in both directions.
 * Meters are looked up once per method and status, not per request.
 */
public final class RequestMetrics implements RequestListener {
    /** Methods kept as label values; anything else is "other", so a client cannot grow the label set. */
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
            "CONNECT", "TRACE");
    /** Prometheus' default buckets, from 5 ms to 10 s; the sidecar observes Gunicorn's durations into the same. */
    public static final Duration[] BUCKETS = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private record Meters(Counter requests, Timer duration) {
    }

    private final MeterRegistry registry;
    private final Map<Integer, Meters> byMethodAndStatus = new ConcurrentHashMap<>();
    private final Counter requestBytes;
    private final Counter responseBytes;

    public RequestMetrics(MeterRegistry registry, WorkerServer server) {
        this.registry = registry;
        Gauge.builder("gunicorn.requests.in.flight", server, WorkerServer::inFlightCount)
                .description("Requests whose handler runs now").register(registry);
        Gauge.builder("gunicorn.connections.active", server, WorkerServer::connectionCount)
                .description("Open client connections").register(registry);
        requestBytes = Counter.builder("gunicorn.request.body").baseUnit("bytes")
                .description("Request body bytes received").register(registry);
        responseBytes = Counter.builder("gunicorn.response.body").baseUnit("bytes")
                .description("Response body bytes sent").register(registry);
    }

    @Override
    public void requestEnded(String method, int status, long nanos, long requestBodyBytes, long responseBodyBytes) {
        int m = METHODS.indexOf(method);
        Meters meters = byMethodAndStatus.computeIfAbsent((m + 1) * 1000 + status, k -> meters(m, status));
        meters.requests.increment();
        meters.duration.record(nanos, TimeUnit.NANOSECONDS);
        if (requestBodyBytes > 0) requestBytes.increment(requestBodyBytes);
        if (responseBodyBytes > 0) responseBytes.increment(responseBodyBytes);
    }

    private Meters meters(int methodIndex, int status) {
        String method = methodIndex < 0 ? "other" : METHODS.get(methodIndex);
        String code = Integer.toString(status);
        Counter requests = Counter.builder("gunicorn.requests").tag("method", method).tag("status", code)
                .description("Requests answered, by method and status").register(registry);
        Timer duration = Timer.builder("gunicorn.request.duration").tag("method", method).tag("status", code)
                .serviceLevelObjectives(BUCKETS)
                .description("Time from the complete request head to the last response byte").register(registry);
        return new Meters(requests, duration);
    }
}
