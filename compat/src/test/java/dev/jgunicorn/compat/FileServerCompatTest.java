package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import dev.jgunicorn.compat.Wire.Request;
import dev.jgunicorn.server.WorkerModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * The JDK's SimpleFileServer file handler (what {@code jwebserver} serves) answers the same on jgunicorn as on the
 * JDK's server: files of several types, a directory listing and the redirect to it, 404, 405 with Allow, HEAD,
 * If-Modified-Since, and request targets that try to leave the served directory.
 */
class FileServerCompatTest {
    static final String APP = "SimpleFileServer";
    static final String SECRET = "not to be served";

    @TempDir
    static Path dir;
    static HttpHandler files;

    static final List<Request> REQUESTS = List.of(
            Request.get("/"),
            Request.get("/notes.txt"),
            Request.get("/data.json"),
            Request.get("/big.bin"),
            Request.get("/with%20space.txt"),
            Request.get("/docs"),
            Request.get("/docs/"),
            Request.get("/docs/a.txt?x=1"),
            Request.get("/missing.txt"),
            Request.head("/notes.txt"),
            Request.head("/docs/"),
            Request.head("/missing.txt"),
            Request.get("/notes.txt", "If-Modified-Since: Thu, 01 Jan 2099 00:00:00 GMT"),
            Request.get("/notes.txt", "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT"),
            Request.send("POST", "/notes.txt", "text/plain", "x".getBytes()),
            Request.send("PUT", "/notes.txt", "text/plain", "x".getBytes()),
            Request.get("/../secret.txt"),
            Request.get("/%2e%2e/secret.txt"),
            Request.get("/docs/../../secret.txt"),
            Request.get("/docs/%2e%2e/%2e%2e/secret.txt"),
            Request.get("/..%2fsecret.txt"),
            Request.get("/../etc/passwd"),
            Request.get("/%2e%2e/etc/passwd"));

    @BeforeAll
    static void site() throws Exception {
        Files.writeString(dir.resolve("secret.txt"), SECRET);
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.writeString(site.resolve("notes.txt"), "served as text/plain\n");
        Files.writeString(site.resolve("data.json"), "{\"a\": 1}\n");
        Files.writeString(site.resolve("with space.txt"), "spaces\n");
        byte[] big = new byte[300_000];
        new Random(19).nextBytes(big);
        Files.write(site.resolve("big.bin"), big);
        Files.writeString(Files.createDirectories(site.resolve("docs")).resolve("a.txt"), "a");
        try (var walk = Files.walk(site)) {
            // a fixed Last-Modified, the same for both servers and every run
            for (Path p : walk.toList()) Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        }
        files = SimpleFileServer.createFileHandler(site.toAbsolutePath());
    }

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void answersAsOnTheJdksServer(WorkerModel model) throws Exception {
        HttpServer jdk = Servers.start(Servers.JDK, files);
        HttpServer ours = Servers.start(Servers.jgunicorn(model), files);
        try {
            Comparison.assertSameAnswers(APP, model.settingValue, jdk, ours, REQUESTS);
        } finally {
            ours.stop(0);
            jdk.stop(0);
        }
    }
}
