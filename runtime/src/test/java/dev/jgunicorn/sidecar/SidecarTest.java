package dev.jgunicorn.sidecar;

import dev.jgunicorn.cli.Jgunicorn;
import dev.jgunicorn.metrics.RealPrometheus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sidecar beside real PyPI Gunicorn 27 serving Flask, scraped by a real Prometheus; its probes and its drain. */
class SidecarTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int status(String url) {
        try {
            return get(url).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Jgunicorn sidecar(Path dir, String... args) throws Exception {
        return new Jgunicorn(dir, Map.of(), args);
    }

    @Test
    void aRealPrometheusSeesGunicornsRequestsWorkersAndExceptionsUnderTheRuntimesSeriesNames(@TempDir Path dir) throws Exception {
        int app = Jgunicorn.freePort();
        int statsd = Jgunicorn.freePort();
        int admin = Jgunicorn.freePort();
        int prom = Jgunicorn.freePort();
        Path pidfile = dir.resolve("gunicorn.pid");
        // The sidecar first, as a native sidecar starts before the app: Gunicorn's first line would be lost otherwise
        try (Jgunicorn sidecar = sidecar(dir, "sidecar", "--statsd-bind", "127.0.0.1:" + statsd, "--statsd-prefix", "shop",
                "--admin-bind", "127.0.0.1:" + admin, "--pidfile", pidfile.toString(), "--bind", "127.0.0.1:" + app)) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + admin + "/metrics"), Duration.ofSeconds(30), sidecar);
            try (PythonGunicorn gunicorn = new PythonGunicorn(dir, "-w", "3", "-b", "127.0.0.1:" + app, "-p", pidfile.toString(),
                    "--statsd-host", "127.0.0.1:" + statsd, "--statsd-prefix", "shop", "--dogstatsd-tags", "team:web,env:test")) {
                sidecar.await("Gunicorn answers\n" + gunicorn.log(), () -> status("http://127.0.0.1:" + app + "/") == 200);
                int ok = 1 + 20, notFound = 5, failed = 1; // the await's request is one of the 200s
                for (int i = 0; i < 20; i++) assertEquals(200, status("http://127.0.0.1:" + app + "/"));
                for (int i = 0; i < notFound; i++) assertEquals(404, status("http://127.0.0.1:" + app + "/nope"));
                assertEquals(500, status("http://127.0.0.1:" + app + "/boom"));
                int requests = ok + notFound + failed;

                String exposition = get("http://127.0.0.1:" + admin + "/metrics").body();
                assertEquals(null, RealPrometheus.lint(exposition, dir), "promtool check metrics:\n" + exposition);

                try (RealPrometheus prometheus = RealPrometheus.scraping(admin, prom, dir)) {
                    sidecar.await("Prometheus sees every request",
                            () -> prometheus.valueOrNaN("sum(gunicorn_requests_total)") >= requests);
                    assertEquals(requests, prometheus.value("sum(gunicorn_requests_total)"), 0.0, exposition);
                    assertEquals(ok, prometheus.value("gunicorn_requests_total{status=\"200\"}"), 0.0);
                    assertEquals(notFound, prometheus.value("gunicorn_requests_total{status=\"404\"}"), 0.0);
                    assertEquals(failed, prometheus.value("gunicorn_requests_total{status=\"500\"}"), 0.0);
                    assertEquals(requests, prometheus.value("gunicorn_request_duration_seconds_count"), 0.0, "one duration per request");
                    assertEquals(requests, prometheus.value("gunicorn_request_duration_seconds_bucket{le=\"+Inf\"}"), 0.0);
                    double p99 = prometheus.value("histogram_quantile(0.99, sum by (le) (gunicorn_request_duration_seconds_bucket))");
                    assertTrue(p99 > 0 && p99 <= 10, "p99 between 0 and 10 s: " + p99);
                    assertEquals(3, prometheus.value("gunicorn_workers"), 0.0);
                    assertEquals(1, prometheus.value("gunicorn_log_total{level=\"exception\"}"), 0.0, "the /boom exception");
                    assertTrue(Double.isNaN(prometheus.value("gunicorn_requests_total{method=\"GET\"}")), "no method: Gunicorn does not send it");
                    assertTrue(Double.isNaN(prometheus.value("gunicorn_requests_in_flight")), "absent, not faked");
                    assertEquals(0, prometheus.value("gunicorn_sidecar_statsd_malformed_total"), 0.0);
                }

                // A restarted sidecar hears no workers gauge (Gunicorn sends it only on a change): the process table has it
                int admin2 = Jgunicorn.freePort();
                try (Jgunicorn restarted = sidecar(dir, "sidecar", "--statsd-bind", "127.0.0.1:" + Jgunicorn.freePort(),
                        "--admin-bind", "127.0.0.1:" + admin2, "--pidfile", pidfile.toString())) {
                    String m = Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + admin2 + "/metrics"), Duration.ofSeconds(30), restarted).body();
                    assertTrue(m.contains("\ngunicorn_workers 3.0\n"), m);
                }
            }
        }
    }

    @Test
    void probesFollowGunicornAndTermDrainsUntilGunicornHasExited(@TempDir Path dir) throws Exception {
        int app = Jgunicorn.freePort();
        int admin = Jgunicorn.freePort();
        Path pidfile = dir.resolve("gunicorn.pid");
        try (Jgunicorn sidecar = sidecar(dir, "sidecar", "--statsd-bind", "127.0.0.1:" + Jgunicorn.freePort(),
                "--admin-bind", "127.0.0.1:" + admin, "--pidfile", pidfile.toString(), "--bind", "127.0.0.1:" + app,
                "--ready-path", "/", "--graceful-timeout", "120")) {
            String base = "http://127.0.0.1:" + admin;
            Jgunicorn.getWhenUp(client, URI.create(base + "/metrics"), Duration.ofSeconds(30), sidecar);
            assertEquals(503, status(base + "/healthz"), "no Gunicorn yet");
            assertTrue(get(base + "/readyz").body().contains("127.0.0.1:" + app), "names the app's address");
            assertEquals(503, status(base + "/readyz"));
            try (PythonGunicorn gunicorn = new PythonGunicorn(dir, "-w", "1", "-b", "127.0.0.1:" + app, "-p", pidfile.toString())) {
                sidecar.await("ready once Gunicorn answers\n" + gunicorn.log(), () -> status(base + "/readyz") == 200);
                assertEquals(200, status(base + "/healthz"));

                sidecar.signal("TERM");
                sidecar.await("not ready once TERM arrived", () -> status(base + "/readyz") == 503);
                assertTrue(get(base + "/readyz").body().contains("draining"));
                assertEquals(200, status(base + "/metrics"), "still scraped while the app drains");
                assertEquals(200, status(base + "/healthz"));
                assertTrue(sidecar.process.isAlive(), "the sidecar stops after the app");

                gunicorn.terminate();
                assertTrue(gunicorn.process.waitFor(30, TimeUnit.SECONDS), gunicorn.log());
                assertTrue(sidecar.process.waitFor(30, TimeUnit.SECONDS), "the sidecar leaves once Gunicorn has exited\n" + sidecar.err());
            }
        }
    }

    @Test
    void aBadOptionIsNamedWithItsAllowedRange(@TempDir Path dir) throws Exception {
        try (Jgunicorn s = sidecar(dir, "sidecar", "--graceful-timeout", "-5")) {
            assertEquals(2, s.waitFor(Duration.ofSeconds(30)));
            assertTrue(s.err().contains("--graceful-timeout: '-5' is not a number of seconds from 0 to 3600"), s.err());
        }
        try (Jgunicorn s = sidecar(dir, "sidecar", "--statsd-bind", "127.0.0.1:99999")) {
            assertEquals(2, s.waitFor(Duration.ofSeconds(30)));
            assertTrue(s.err().contains("--statsd-bind"), s.err());
        }
    }

    @Test
    void theAdminListenerKeepsOneIoThreadOnANodeWithManyCpus(@TempDir Path dir) throws Exception {
        int admin = Jgunicorn.freePort();
        // a pod without a CPU limit sees every core of its node: 16 here
        try (Jgunicorn sidecar = new Jgunicorn(dir, Map.of("JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=16"), "sidecar",
                "--statsd-bind", "127.0.0.1:" + Jgunicorn.freePort(), "--admin-bind", "127.0.0.1:" + admin)) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + admin + "/metrics"), Duration.ofSeconds(30), sidecar);
            // a scraper and two probes at once, twice over: each connection would start the next event loop's thread
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    Socket s = new Socket("127.0.0.1", admin);
                    open.add(s);
                    s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.setSoTimeout(10_000);
                    InputStream in = s.getInputStream();
                    assertEquals("HTTP/1.1 200", new String(in.readNBytes(12), StandardCharsets.US_ASCII));
                }
                assertEquals(List.of("jgunicorn-io"), ioThreads(sidecar.process.pid()), "one I/O thread for the admin listener");
            } finally {
                for (Socket s : open) s.close();
            }
        }
    }

    /** The names (up to their first digit) of the process's threads that do Netty I/O, from /proc. */
    private static List<String> ioThreads(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.map(t -> Jgunicorn.read(t.resolve("comm")).strip().replaceAll("-\\d.*", ""))
                    .filter(name -> name.startsWith("jgunicorn-io")).toList();
        }
    }
}
