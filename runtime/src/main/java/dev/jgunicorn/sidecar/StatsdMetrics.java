package dev.jgunicorn.sidecar;

import dev.jgunicorn.metrics.RequestMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Gunicorn's statsd lines turned into the jgunicorn runtime's Prometheus series, with the same names, types, units
 * and buckets, so one dashboard serves both: {@code gunicorn.request.status.<code>} counts
 * {@code gunicorn_requests_total{status}}, each {@code gunicorn.request.duration} sample (ms, one per request) is
 * observed into {@code gunicorn_request_duration_seconds}, {@code gunicorn.workers} sets {@code gunicorn_workers},
 * {@code gunicorn.backlog} sets {@code gunicorn_backlog} and {@code gunicorn.log.<level>} counts
 * {@code gunicorn_log_total{level}}. Series Gunicorn does not send (method, in-flight, connections, body bytes,
 * restarts) are absent. Lines that are not statsd, or not Gunicorn's, are counted, never fatal.
 */
final class StatsdMetrics {
    private static final String STATUS = "gunicorn.request.status.";
    private static final String LOG = "gunicorn.log.";
    private static final List<String> LOG_LEVELS = List.of("critical", "error", "warning", "exception");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final String prefix;
    private final IntSupplier workersFromProcesses;
    private final Map<String, Counter> requestsByStatus = new ConcurrentHashMap<>();
    private final Map<String, Counter> logByLevel = new ConcurrentHashMap<>();
    private final Timer duration;
    private final Counter malformed;
    private final Counter ignored;
    /** The last gunicorn.workers gauge, or NaN until Gunicorn sends one (it does only when the count changes). */
    private volatile double workers = Double.NaN;
    private volatile double backlog = Double.NaN;

    /**
     * @param statsdPrefix         the app's --statsd-prefix ("" for none); a trailing dot is added as Gunicorn does
     * @param workersFromProcesses the worker count read from the process table, used until Gunicorn sends the gauge
     *                             (a restarted sidecar); negative when unknown
     */
    StatsdMetrics(String statsdPrefix, IntSupplier workersFromProcesses) {
        this.prefix = statsdPrefix.isEmpty() || statsdPrefix.endsWith(".") ? statsdPrefix : statsdPrefix + ".";
        this.workersFromProcesses = workersFromProcesses;
        duration = Timer.builder("gunicorn.request.duration").serviceLevelObjectives(RequestMetrics.BUCKETS)
                .description("Request time as Gunicorn measures it, from the request to the end of the response")
                .register(registry);
        Gauge.builder("gunicorn.workers", this, StatsdMetrics::workers)
                .description("Workers of the Gunicorn master (its statsd gauge, else its child processes)").register(registry);
        malformed = Counter.builder("gunicorn.sidecar.statsd.malformed")
                .description("Received statsd lines that could not be parsed").register(registry);
        ignored = Counter.builder("gunicorn.sidecar.statsd.ignored")
                .description("Received statsd lines that are not Gunicorn's (another name or prefix)").register(registry);
        for (String level : LOG_LEVELS) logCounter(level);
    }

    /** One datagram: one or more lines separated by newlines, as statsd clients batch them. */
    void accept(byte[] packet, int length) {
        for (String line : new String(packet, 0, length, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) accept(line.strip());
        }
    }

    void accept(String text) {
        StatsdLine line = StatsdLine.parse(text);
        if (line == null) {
            malformed.increment();
            return;
        }
        if (!line.name().startsWith(prefix)) {
            ignored.increment();
            return;
        }
        String name = line.name().substring(prefix.length());
        double count = line.value() / line.rate();
        switch (line.type()) {
            case "c" -> {
                if (name.startsWith(STATUS) && isStatus(name.substring(STATUS.length()))) {
                    requestsByStatus.computeIfAbsent(name.substring(STATUS.length()), this::requestCounter).increment(count);
                } else if (name.startsWith(LOG) && LOG_LEVELS.contains(name.substring(LOG.length()))) {
                    logCounter(name.substring(LOG.length())).increment(count);
                } else if (!name.equals("gunicorn.requests")) { // the sum of the status counters: nothing of its own
                    ignored.increment();
                }
            }
            case "ms" -> {
                if (name.equals("gunicorn.request.duration") && line.value() >= 0) {
                    duration.record((long) (line.value() * 1_000_000), TimeUnit.NANOSECONDS);
                } else {
                    ignored.increment();
                }
            }
            case "g" -> {
                if (name.equals("gunicorn.workers")) {
                    workers = line.relative() ? (Double.isNaN(workers) ? 0 : workers) + line.value() : line.value();
                } else {
                    ignored.increment();
                }
            }
            default -> { // "h"
                if (name.equals("gunicorn.backlog")) {
                    // registered on the first sample: without enable_backlog_metric the series is absent, not NaN
                    if (Double.isNaN(backlog)) {
                        Gauge.builder("gunicorn.backlog", this, m -> m.backlog).description(
                                "Connections waiting in the listen queue (Gunicorn's enable_backlog_metric)").register(registry);
                    }
                    backlog = line.value();
                } else {
                    ignored.increment();
                }
            }
        }
    }

    private static boolean isStatus(String s) {
        return s.length() == 3 && s.chars().allMatch(Character::isDigit) && s.charAt(0) >= '1' && s.charAt(0) <= '5';
    }

    private Counter requestCounter(String status) {
        return Counter.builder("gunicorn.requests").tag("status", status)
                .description("Requests answered, by status").register(registry);
    }

    private Counter logCounter(String level) {
        return logByLevel.computeIfAbsent(level, l -> Counter.builder("gunicorn.log").tag("level", l)
                .description("Error-log lines Gunicorn wrote, by level").register(registry));
    }

    private double workers() {
        double w = workers;
        if (!Double.isNaN(w)) return w;
        int n = workersFromProcesses.getAsInt();
        return n < 0 ? Double.NaN : n;
    }

    /** The Prometheus text exposition (format 0.0.4). */
    String scrape() {
        return registry.scrape();
    }
}
