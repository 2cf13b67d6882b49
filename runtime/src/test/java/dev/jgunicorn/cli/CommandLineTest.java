package dev.jgunicorn.cli;

import dev.jgunicorn.process.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jgunicorn command as a user runs it: a real process, real signals, a real HTTP client. */
class CommandLineTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void readmeCommandServesHelloWithTwoWorkersAndStopsOnTerm(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "2", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            HttpResponse<String> r = Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            assertEquals("Hello, World!", r.body());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (j.process.children().count() < 2 && System.nanoTime() < deadline) Thread.sleep(100);
            assertEquals(2, j.process.children().count(), "two worker processes under the master");
            Set<ProcessHandle> workers = new HashSet<>(j.process.children().toList());
            j.signal("TERM");
            assertEquals(0, j.waitFor(Duration.ofSeconds(40)));
            for (ProcessHandle w : workers) {
                w.onExit().get(10, TimeUnit.SECONDS);
                assertFalse(w.isAlive());
            }
            assertTrue(j.err().contains("Booting worker with pid"), j.err());
        }
    }

    @Test
    void termLetsTheRequestInFlightFinish(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-k", "gthread", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Slow")) {
            URI base = URI.create("http://127.0.0.1:" + port + "/?ms=0");
            Jgunicorn.getWhenUp(client, base, Duration.ofSeconds(30), j);
            CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?ms=2000")).build(), HttpResponse.BodyHandlers.ofString());
            Thread.sleep(500);
            j.signal("TERM");
            HttpResponse<String> r = slow.get(20, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("slept 2000 ms\n", r.body());
            assertEquals(0, j.waitFor(Duration.ofSeconds(30)));
        }
    }

    @Test
    void virtualWorkerRunsHandlersOnThreadsCarriers(@TempDir Path dir) throws Exception {
        // Four busy handlers at once: one carrier by default (a gevent worker's single hub), --threads 2 gives two.
        for (int threads : new int[]{1, 2}) {
            int port = Jgunicorn.freePort();
            try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-k", "virtual", "--threads", Integer.toString(threads),
                    "--classpath", Jgunicorn.testClasses(), "-b", "127.0.0.1:" + port, "dev.jgunicorn.testapps.Spin")) {
                URI spin = URI.create("http://127.0.0.1:" + port + "/?ms=400");
                Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
                List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 4; i++) calls.add(client.sendAsync(HttpRequest.newBuilder(spin).build(), HttpResponse.BodyHandlers.ofString()));
                Set<String> carriers = new HashSet<>();
                for (CompletableFuture<HttpResponse<String>> c : calls) carriers.add(c.get(30, TimeUnit.SECONDS).body().split(" ")[0]);
                assertEquals(threads, carriers.size(), "carrier threads that ran the handlers: " + carriers);
            }
        }
    }

    @Test
    void clientGoneBeforeItsResponseIsNotAnError(@TempDir Path dir) throws Exception {
        // Gunicorn logs a client that left before its response at debug level ("Ignoring EPIPE"), not as an error.
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-k", "sync", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Slow")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/?ms=0"), Duration.ofSeconds(30), j);
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.getOutputStream().write("GET /?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(100); // the handler is asleep; the client gives up
            }
            Thread.sleep(600);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?ms=0")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("slept 0 ms\n", r.body());
            assertFalse(j.err().contains("Error handling request"), j.err());
            assertFalse(j.err().contains("ERROR"), j.err());
        }
    }

    @Test
    void classpathEnvAndChdirReachTheApp(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path work = Files.createDirectories(dir.resolve("work"));
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--chdir", "work", "--classpath", Jgunicorn.testClasses(),
                "-e", "FOO=bar", "-b", "127.0.0.1:" + port, "dev.jgunicorn.testapps.EnvApp:factory()")) {
            String body = Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j).body();
            String[] parts = body.split(" ", 3);
            assertEquals("bar", parts[1]);
            assertEquals(work.toRealPath().toString(), Path.of(parts[2]).toRealPath().toString());
        }
    }

    @Test
    void maxRequestsRecyclesTheWorker(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--max-requests", "2", "--classpath", Jgunicorn.testClasses(),
                "-b", "127.0.0.1:" + port, "dev.jgunicorn.testapps.EnvApp:FIELD")) {
            URI u = URI.create("http://127.0.0.1:" + port + "/");
            Set<String> pids = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                pids.add(Jgunicorn.getWhenUp(client, u, Duration.ofSeconds(30), j).body().split(" ")[0]);
            }
            assertTrue(pids.size() >= 2, "a new worker took over after 2 requests: " + pids);
        }
    }

    @Test
    void wrongAppFailsAtStartNamingTheMissingPart(@TempDir Path dir) throws Exception {
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "com.example.Nope")) {
            assertEquals(4, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("class com.example.Nope was not found"), j.err());
        }
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "dev.jgunicorn.demo.Hello:nothing")) {
            assertEquals(4, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("no public static field or no-arg static method named 'nothing'"), j.err());
        }
    }

    @Test
    void badFlagValueNamesTheSettingAndRange(@TempDir Path dir) throws Exception {
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "-3", "dev.jgunicorn.demo.Hello")) {
            assertEquals(1, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("Invalid value for workers") && j.err().contains(">= 0"), j.err());
        }
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--no-such-flag", "dev.jgunicorn.demo.Hello")) {
            assertEquals(2, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("--no-such-flag"), j.err());
        }
    }

    @Test
    void checkAndPrintConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("gunicorn.conf.py"), "workers = 3\nbind = '127.0.0.1:9999'\n");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of("GUNICORN_CMD_ARGS", "--threads 4"), "--print-config", "dev.jgunicorn.demo.Hello")) {
            assertEquals(0, j.waitFor(Duration.ofSeconds(30)));
            String out = j.out();
            assertTrue(out.matches("(?s).*\\bworkers\\s+= 3\\b.*"), out);
            assertTrue(out.matches("(?s).*\\bthreads\\s+= 4\\b.*"), out);
            assertTrue(out.contains("['127.0.0.1:9999']"), out);
        }
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--check-config", "dev.jgunicorn.demo.Nope")) {
            assertEquals(1, j.waitFor(Duration.ofSeconds(30)));
        }
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--check-config", "dev.jgunicorn.demo.Hello")) {
            assertEquals(0, j.waitFor(Duration.ofSeconds(30)));
        }
    }

    @Test
    void binaryConfigFileIsAConfigErrorThatSaysWhatIsWrong(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-c", "logo.png", "dev.jgunicorn.demo.Hello")) {
            assertEquals(ExitCodes.CONFIG_ERROR, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("logo.png:1: not UTF-8 text (byte 0x89 at offset 0)"), j.err());
        }
    }

    @Test
    void certfileAndKeyfileServeHttpsToCurl(@TempDir Path dir) throws Exception {
        Process gen = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem",
                "-out", "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        gen.getInputStream().readAllBytes();
        assertEquals(0, gen.waitFor());
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--certfile", "cert.pem", "--keyfile", "key.pem", "-b", "127.0.0.1:" + port,
                "dev.jgunicorn.demo.Hello")) {
            String body = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!body.equals("Hello, World!") && System.nanoTime() < deadline && j.process.isAlive()) {
                Process curl = new ProcessBuilder("curl", "-s", "--cacert", dir.resolve("cert.pem").toString(),
                        "https://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
                body = new String(curl.getInputStream().readAllBytes());
                curl.waitFor();
                if (!body.equals("Hello, World!")) Thread.sleep(200);
            }
            assertEquals("Hello, World!", body, j.err());
        }
    }

    @Test
    void accessLogUsesGunicornsFormat(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path log = dir.resolve("access.log");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--access-logfile", log.toString(), "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/path?q=1"), Duration.ofSeconds(30), j);
            j.await("the access line", () -> !Jgunicorn.read(log).isEmpty());
            String line = Jgunicorn.read(log).strip();
            assertTrue(line.matches("127\\.0\\.0\\.1 - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}] "
                    + "\"GET /path\\?q=1 HTTP/1\\.1\" 200 13 \"-\" \"Java-http-client/[^\"]+\""), line);
        }
    }
}
