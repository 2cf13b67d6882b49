package dev.jgunicorn.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Prometheus and promtool for the tests that check what a real scraper sees: {@link #lint} runs
 * {@code promtool check metrics}, {@link #scraping} starts a Prometheus that scrapes one target every second.
 */
public final class RealPrometheus implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Process process;
    private final int port;

    private RealPrometheus(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The installed program {@code name}; bin/test installs them (Debian's prometheus package). */
    public static String exe(String name) {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
        }
        throw new AssertionError(name + " is not installed: bin/test installs it (Debian's prometheus package)");
    }

    /** promtool's verdict on an exposition: null when it passes, else its output. */
    public static String lint(String exposition, Path dir) throws IOException, InterruptedException {
        Path file = Files.writeString(dir.resolve("exposition.txt"), exposition);
        Process lint = new ProcessBuilder(exe("promtool"), "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String out = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!lint.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("promtool check metrics did not finish");
        return lint.exitValue() == 0 ? null : out;
    }

    /** A Prometheus on 127.0.0.1:{@code port} scraping 127.0.0.1:{@code target} every second, its data in {@code dir}. */
    public static RealPrometheus scraping(int target, int port, Path dir) throws IOException {
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: jgunicorn
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(target));
        Process p = new ProcessBuilder(exe("prometheus"), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        return new RealPrometheus(p, port);
    }

    /** An instant query: the JSON result array. */
    public JsonNode query(String promql) throws Exception {
        String body = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                        + URLEncoder.encode(promql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        JsonNode n = JSON.readTree(body);
        if (!"success".equals(n.path("status").asText())) throw new AssertionError("query " + promql + ": " + body);
        return n.path("data").path("result");
    }

    /** The first value of an instant query, NaN when it has none. */
    public double value(String promql) throws Exception {
        JsonNode r = query(promql);
        return r.size() == 0 ? Double.NaN : Double.parseDouble(r.get(0).path("value").get(1).asText());
    }

    /** {@link #value}, or NaN while Prometheus does not answer yet (for polling). */
    public double valueOrNaN(String promql) {
        try {
            return value(promql);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(20, TimeUnit.SECONDS);
    }
}
