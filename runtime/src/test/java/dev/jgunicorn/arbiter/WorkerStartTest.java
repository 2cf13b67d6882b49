package dev.jgunicorn.arbiter;

import dev.jgunicorn.cli.Jgunicorn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a worker starts (issue 17): with its master's resolved settings rather than a second reading of the command
 * line and config file, and from the AOT cache baked into the runtime image when no archive was made for the app.
 */
class WorkerStartTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * As in Gunicorn, the master reads the configuration once (and again on HUP): a worker it starts after the
     * config file was edited serves with the master's settings, not the edited file's.
     */
    @Test
    void aReplacementWorkerServesWithItsMastersSettings(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path conf = dir.resolve("gunicorn.conf.py");
        Files.writeString(conf, "workers = 1\nbind = '127.0.0.1:" + port + "'\n");
        URI longPath = URI.create("http://127.0.0.1:" + port + "/" + "x".repeat(200));
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "dev.jgunicorn.demo.Hello")) {
            assertEquals(200, Jgunicorn.getWhenUp(client, longPath, Duration.ofSeconds(60), j).statusCode());
            Files.writeString(conf, "limit_request_line = 64\n", java.nio.file.StandardOpenOption.APPEND);
            ProcessHandle worker = j.process.children().findFirst().orElseThrow();
            worker.destroyForcibly();
            j.await("the replacement booted", () -> j.process.children().anyMatch(c -> c.pid() != worker.pid()
                    && j.err().contains("Worker (pid:" + c.pid() + ") booted")));
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(longPath).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), "the replacement read the edited config file (414: limit_request_line 64)");
        }
    }

    /**
     * JGUNICORN_AOT_CACHE (set in the runtime image) names an AOT cache made for another app and options; a
     * master without --preload and without an archive of its own starts its workers from it (the worker JVM's
     * -Xlog:aot says it opened it).
     */
    @Test
    void workersStartFromTheImagesAotCache(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path training = dir.resolve("training");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of("XDG_CACHE_HOME", training.toString()),
                "--preload", "-w", "1", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            j.await("the archive", Duration.ofSeconds(120), () -> j.err().contains(" made in "));
            j.signal("TERM");
            j.waitFor(Duration.ofSeconds(30));
        }
        Path baked = dir.resolve("worker.aot");
        try (Stream<Path> made = Files.list(training.resolve("jgunicorn"))) {
            Files.move(made.filter(f -> f.toString().endsWith(".aot")).findFirst().orElseThrow(), baked);
        }
        try (Jgunicorn j = new Jgunicorn(dir, Map.of("XDG_CACHE_HOME", dir.resolve("empty").toString(),
                "JGUNICORN_AOT_CACHE", baked.toString()), "-w", "1", "-b", "127.0.0.1:" + port,
                "--jvm-arg=-Xlog:aot:file=" + dir.resolve("aot-%p.log"), "--jvm-arg=-Xmx96m", "dev.jgunicorn.demo.Echo")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(60), j);
            assertTrue(j.err().contains("Workers start from the image's AOT cache " + baked), j.err());
            long worker = j.process.children().findFirst().orElseThrow().pid();
            Path log = dir.resolve("aot-" + worker + ".log");
            j.await("the worker's AOT log", () -> Jgunicorn.read(log).contains("Opened AOT cache"));
            assertTrue(Jgunicorn.read(log).contains("Opened AOT cache " + baked), Jgunicorn.read(log));
        }
    }
}
