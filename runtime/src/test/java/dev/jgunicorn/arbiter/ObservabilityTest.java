package dev.jgunicorn.arbiter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgunicorn.cli.Jgunicorn;
import dev.jgunicorn.metrics.RealPrometheus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin listener, a real Prometheus scraping it, promtool, statsd over real UDP, and the probes during a stop. */
class ObservabilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRealPrometheusScrapesTwoWorkersThroughTheMaster(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        int admin = Jgunicorn.freePort();
        int prom = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "2", "-k", "gthread", "--threads", "4", "-b", "127.0.0.1:" + port,
                "--admin-bind", "127.0.0.1:" + admin, "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            j.await("both workers ready", () -> {
                try {
                    return get("http://127.0.0.1:" + admin + "/metrics").body().contains("gunicorn_workers 2.0");
                } catch (Exception e) {
                    return false;
                }
            });
            // Light load; getWhenUp above sent one request already.
            int requests = 1 + 200;
            for (int i = 0; i < 200; i++) {
                // a fresh connection each time, so the kernel hands them to both workers
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200 "));
                }
            }

            String exposition = get("http://127.0.0.1:" + admin + "/metrics").body();
            assertEquals(null, RealPrometheus.lint(exposition, dir), "promtool check metrics");

            try (RealPrometheus prometheus = RealPrometheus.scraping(admin, prom, dir)) {
                j.await("Prometheus sees every request", () ->
                        prometheus.valueOrNaN("sum(gunicorn_requests_total{method=\"GET\",status=\"200\"})") >= requests);
                assertEquals(requests, prometheus.value("sum(gunicorn_requests_total)"), 0.0, "no request counted twice");
                assertEquals(2, prometheus.value("gunicorn_workers"), 0.0);
                assertEquals(2, prometheus.query("sum by (worker) (gunicorn_requests_total)").size(), "series per worker");
                double p99 = prometheus.value("histogram_quantile(0.99, sum by (le) (gunicorn_request_duration_seconds_bucket))");
                assertTrue(p99 > 0 && p99 <= 10, "p99 of a hello world is between 0 and 10 s: " + p99);
                assertEquals(0, prometheus.value("sum(gunicorn_requests_in_flight)"), 0.0, "nothing in flight after the load");
                assertTrue(prometheus.value("sum(gunicorn_response_body_bytes_total)") >= 13.0 * requests, "13 bytes per hello");
                assertEquals(3, prometheus.query("jvm_memory_used_bytes{area=\"heap\",id=~\".*Eden.*\"}").size(),
                        "JVM series of the master and both workers");
                assertEquals(0, prometheus.value("sum(gunicorn_worker_restarts_total)"), 0.0);
                assertTrue(prometheus.value("sum(gunicorn_log_total{level=\"info\"})") >= 3, "boot lines counted");
            }
        }
    }

    /** Every metric name a panel of the bundled Grafana dashboard queries exists in a real exposition. */
    @Test
    void theGrafanaDashboardQueriesOnlySeriesThatExist(@TempDir Path dir) throws Exception {
        Path dashboard = Jgunicorn.REPO.resolve("docs/grafana/jgunicorn.json");
        JsonNode d = JSON.readTree(dashboard.toFile());
        Set<String> names = new HashSet<>();
        Matcher m = Pattern.compile("\\b(gunicorn_[a-z_]+|jvm_[a-z_]+|process_[a-z_]+)").matcher("");
        for (JsonNode panel : d.path("panels")) {
            for (JsonNode t : panel.path("targets")) {
                m.reset(t.path("expr").asText());
                while (m.find()) names.add(m.group(1));
            }
        }
        assertTrue(names.size() >= 8, "the dashboard covers the server's series: " + names);
        int port = Jgunicorn.freePort();
        int admin = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-b", "127.0.0.1:" + port, "--admin-bind", "127.0.0.1:" + admin,
                "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            j.await("the worker's series", () -> {
                try {
                    return get("http://127.0.0.1:" + admin + "/metrics").body().contains("gunicorn_requests_total{worker=\"1\"");
                } catch (Exception e) {
                    return false;
                }
            });
            String exposition = get("http://127.0.0.1:" + admin + "/metrics").body();
            List<String> missing = new ArrayList<>();
            for (String n : names) {
                if (!Pattern.compile("(?m)^" + n + "(_bucket|_count|_sum)?[{ ]").matcher(exposition).find()) missing.add(n);
            }
            assertEquals(List.of(), missing, "series the dashboard queries but jgunicorn does not expose");
        }
    }

    @Test
    void statsdLinesReachARealUdpSocket(@TempDir Path dir) throws Exception {
        for (boolean dogstatsd : List.of(false, true)) {
            try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                udp.setSoTimeout(250);
                int port = Jgunicorn.freePort();
                List<String> args = new ArrayList<>(List.of("-b", "127.0.0.1:" + port, "--statsd-host", "127.0.0.1:" + udp.getLocalPort(),
                        "--statsd-prefix", "shop"));
                if (dogstatsd) args.addAll(List.of("--dogstatsd-tags", "env:test,team:web"));
                args.add("dev.jgunicorn.demo.Hello");
                try (Jgunicorn j = new Jgunicorn(dir, Map.of(), args.toArray(String[]::new))) {
                    Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
                    StringBuilder lines = new StringBuilder();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    String requests = dogstatsd ? "shop.gunicorn.requests:1|c|#" : "shop.gunicorn.requests:1|c";
                    while (System.nanoTime() < deadline && !(lines.toString().contains(requests)
                            && lines.toString().contains("shop.gunicorn.request.duration:") && lines.toString().contains("shop.gunicorn.workers:1|g"))) {
                        get("http://127.0.0.1:" + port + "/");
                        // Each request sends several lines and the master's gauge comes every 5 s: read everything
                        // queued, or the gauge waits behind a backlog that grows with every request.
                        byte[] buf = new byte[65536];
                        while (true) {
                            DatagramPacket p = new DatagramPacket(buf, buf.length);
                            try {
                                udp.receive(p);
                                lines.append(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)).append('\n');
                            } catch (SocketTimeoutException e) {
                                break; // quiet for a moment: send another request
                            }
                        }
                    }
                    String got = lines.toString();
                    assertTrue(got.contains(requests), got);
                    assertTrue(got.matches("(?s).*shop\\.gunicorn\\.request\\.duration:[0-9.]+\\|ms.*"), got);
                    assertTrue(got.contains("shop.gunicorn.workers:1|g"), "the master's worker gauge: " + got);
                    if (dogstatsd) assertTrue(got.contains("env:test") && got.contains("team:web"), got);
                    else assertTrue(!got.contains("|#"), "plain statsd has no tags: " + got);
                }
            }
        }
    }

    /**
     * --no-master: /healthz fails when the sync worker's request runs past --timeout (sync's silence; nothing else
     * would replace it), and /readyz fails from the first moment of TERM while the request in flight finishes.
     */
    @Test
    void readyzTurnsFalseDuringAGracefulStopWhileRequestsFinish(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        int admin = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--no-master", "-k", "sync", "-t", "2",
                "--graceful-timeout", "20", "-b", "127.0.0.1:" + port, "--admin-bind", "127.0.0.1:" + admin, "dev.jgunicorn.demo.Slow")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/?ms=0"), Duration.ofSeconds(30), j);
            assertEquals(200, get("http://127.0.0.1:" + admin + "/readyz").statusCode());
            assertEquals(200, get("http://127.0.0.1:" + admin + "/healthz").statusCode());
            CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?ms=5000")).build(), HttpResponse.BodyHandlers.ofString());
            j.await("a request past --timeout 2 fails /healthz", () -> {
                try {
                    HttpResponse<String> h = get("http://127.0.0.1:" + admin + "/healthz");
                    return h.statusCode() == 503 && h.body().contains("the sync worker's request has run for more than 2 s");
                } catch (Exception e) {
                    return false;
                }
            });
            j.signal("TERM");
            j.await("/readyz says stopping", () -> {
                try {
                    HttpResponse<String> r = get("http://127.0.0.1:" + admin + "/readyz");
                    return r.statusCode() == 503 && r.body().contains("stopping");
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue(!slow.isDone(), "the slow request is still running while /readyz fails");
            HttpResponse<String> done = slow.get(30, TimeUnit.SECONDS);
            assertEquals(200, done.statusCode());
            assertEquals("slept 5000 ms\n", done.body());
            assertEquals(0, j.waitFor(Duration.ofSeconds(30)));
        }
    }

    /** enable_backlog_metric: clients the workers do not accept (worker_connections reached) show in the gauge. */
    @Test
    void theBacklogGaugeCountsClientsWaitingInTheListenQueue(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        int admin = Jgunicorn.freePort();
        List<java.net.Socket> waiting = new ArrayList<>();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-k", "gthread", "--worker-connections", "1", "-b", "127.0.0.1:" + port,
                "--admin-bind", "127.0.0.1:" + admin, "--enable-backlog-metric", "dev.jgunicorn.demo.Slow")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/?ms=0"), Duration.ofSeconds(30), j);
            String gauge = "gunicorn_backlog{listener=\"http://127.0.0.1:" + port + "\"} ";
            j.await("an empty queue", () -> metric(admin, gauge) == 0);
            CompletableFuture<HttpResponse<String>> busy = client.sendAsync(
                    // long enough for a loaded machine to sample the queue while the three clients wait in it
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?ms=10000")).build(), HttpResponse.BodyHandlers.ofString());
            Thread.sleep(500); // the worker holds its one connection and stops accepting
            for (int i = 0; i < 3; i++) waiting.add(new java.net.Socket("127.0.0.1", port));
            j.await("three clients in the queue", () -> metric(admin, gauge) == 3);
            assertEquals(200, busy.get(30, TimeUnit.SECONDS).statusCode());
        } finally {
            for (java.net.Socket s : waiting) s.close();
        }
    }

    private double metric(int admin, String prefix) {
        try {
            for (String line : get("http://127.0.0.1:" + admin + "/metrics").body().split("\n")) {
                if (line.startsWith(prefix)) return Double.parseDouble(line.substring(prefix.length()).trim());
            }
        } catch (Exception e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    @Test
    void badAdminAndStatsdAddressesNameTheSetting(@TempDir Path dir) throws Exception {
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--admin-bind", "unix:/tmp/x.sock", "dev.jgunicorn.demo.Hello")) {
            assertEquals(1, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("admin_bind") && j.err().contains("is not HOST:PORT"), j.err());
        }
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--statsd-host", "localhost:99999", "dev.jgunicorn.demo.Hello")) {
            assertEquals(1, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("statsd_host") && j.err().contains("port from 1 to 65535"), j.err());
        }
    }
}
