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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an operator does with a running jgunicorn: signals, log files, pidfile, slow requests. */
class OperationsTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void ttinAndTtouChangeTheNumberOfWorkers(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path pid = dir.resolve("jg.pid");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-p", pid.toString(), "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            assertEquals(Long.toString(j.process.pid()), Files.readString(pid).strip(), "the pidfile holds the master's pid");
            j.await("one worker", () -> j.process.children().count() == 1);
            j.signal("TTIN");
            j.await("two workers after TTIN", () -> j.process.children().count() == 2);
            j.signal("TTOU");
            j.await("one worker after TTOU", () -> j.process.children().count() == 1);
            long before = j.process.children().findFirst().orElseThrow().pid();
            j.signal("HUP");
            j.await("a new worker after HUP", () -> j.process.children().anyMatch(p -> p.pid() != before)
                    && j.process.children().noneMatch(p -> p.pid() == before));
            assertEquals("Hello, World!", Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j).body());
            j.signal("TERM");
            assertEquals(0, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(!Files.exists(pid), "the pidfile is removed on exit");
        }
    }

    @Test
    void usr1ReopensLogFilesAfterLogrotateMovedThem(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path access = dir.resolve("access.log");
        Path error = dir.resolve("error.log");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--access-logfile", access.toString(), "--error-logfile", error.toString(),
                "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            URI u = URI.create("http://127.0.0.1:" + port + "/first");
            Jgunicorn.getWhenUp(client, u, Duration.ofSeconds(30), j);
            j.await("first access line", () -> Jgunicorn.read(access).contains("/first"));
            assertTrue(Jgunicorn.read(error).contains("Booting worker with pid"), Jgunicorn.read(error));
            Files.move(access, dir.resolve("access.log.1"));
            Files.move(error, dir.resolve("error.log.1"));
            j.signal("USR1");
            Thread.sleep(1000);
            client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/second")).build(), HttpResponse.BodyHandlers.ofString());
            j.await("a new access.log with the second request", () -> Jgunicorn.read(access).contains("/second"));
            assertTrue(!Jgunicorn.read(access).contains("/first"));
            j.signal("TERM");
            j.waitFor(Duration.ofSeconds(30));
            assertTrue(Jgunicorn.read(error).contains("Shutting down: Master"), "the master writes to the reopened error log: " + Jgunicorn.read(error));
        }
    }

    @Test
    void requestPastTimeoutIsLoggedWithItsStack(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-t", "1", "-k", "gthread", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Slow")) {
            HttpResponse<String> r = Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/?ms=2500"), Duration.ofSeconds(30), j);
            assertEquals(200, r.statusCode());
            j.await("the timeout report", () -> j.err().contains("WORKER TIMEOUT"));
            String err = j.err();
            assertTrue(err.contains("GET /?ms=2500 has run for more than 1 s"), err);
            assertTrue(err.contains("at dev.jgunicorn.demo.Slow.handle"), "the report carries the thread's stack: " + err);
        }
    }

    @Test
    void captureOutputSendsTheAppsStdoutToTheErrorLog(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path error = dir.resolve("error.log");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--capture-output", "--error-logfile", error.toString(),
                "--classpath", Jgunicorn.testClasses(), "-b", "127.0.0.1:" + port, "dev.jgunicorn.testapps.Chatty")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/talk"), Duration.ofSeconds(30), j);
            j.await("the app's print in the error log", () -> Jgunicorn.read(error).contains("chatty app says hello from /talk"));
        }
    }

    @Test
    void logConfigTakesALogbackFile(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path out = dir.resolve("custom.log");
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="F" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>CUSTOM %%logger %%msg%%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="F"/></root>
                </configuration>
                """.formatted(out));
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--log-config", "logback.xml", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            j.await("the custom log", () -> Jgunicorn.read(out).contains("CUSTOM gunicorn.error Booting worker"));
        }
    }

    @Test
    void syslogReceivesErrorAndAccessLinesOverUdp(@TempDir Path dir) throws Exception {
        try (java.net.DatagramSocket syslog = new java.net.DatagramSocket(0, java.net.InetAddress.getByName("127.0.0.1"))) {
            syslog.setSoTimeout(500);
            java.util.List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            Thread reader = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[4096];
                while (!syslog.isClosed()) {
                    java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                    try {
                        syslog.receive(p);
                        lines.add(new String(p.getData(), 0, p.getLength(), java.nio.charset.StandardCharsets.UTF_8));
                    } catch (java.io.IOException timeoutOrClosed) {
                        // keep listening until the socket is closed
                    }
                }
            });
            int port = Jgunicorn.freePort();
            try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--log-syslog", "--log-syslog-to", "udp://127.0.0.1:" + syslog.getLocalPort(),
                    "--log-syslog-prefix", "demo", "--log-syslog-facility", "local3", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
                Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/from-syslog-test"), Duration.ofSeconds(30), j);
                j.await("error and access lines in syslog", () -> {
                    synchronized (lines) {
                        return lines.stream().anyMatch(l -> l.contains("gunicorn.demo.error: [") && l.contains("Booting worker"))
                                && lines.stream().anyMatch(l -> l.contains("gunicorn.demo.access: ") && l.contains("GET /from-syslog-test"));
                    }
                });
                synchronized (lines) {
                    // facility local3 (19) * 8 + severity info (6) = 158
                    assertTrue(lines.stream().anyMatch(l -> l.startsWith("<158>")), lines.toString());
                }
            }
            syslog.close();
            reader.join(2000);
        }
    }

    @Test
    void syslogOverTcpIsRefusedAtStartWithTheAlternative(@TempDir Path dir) throws Exception {
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--log-syslog", "--log-syslog-to", "tcp://127.0.0.1:514", "dev.jgunicorn.demo.Hello")) {
            assertEquals(1, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("syslog_addr tcp://127.0.0.1:514") && j.err().contains("--log-config"), j.err());
        }
    }

    @Test
    void daemonDetachesAndWinchStopsTheWorkersButKeepsTheMaster(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path pidfile = dir.resolve("jg.pid");
        Path errors = dir.resolve("error.log");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-D", "-p", pidfile.toString(), "--error-logfile", errors.toString(),
                "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            assertEquals(0, j.waitFor(Duration.ofSeconds(30)), "the launching process returns at once");
            j.await("the daemon's pidfile", () -> !Jgunicorn.read(pidfile).isBlank());
            long pid = Long.parseLong(Jgunicorn.read(pidfile).strip());
            ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
            try {
                assertTrue(daemon.parent().map(p -> p.pid() != ProcessHandle.current().pid()).orElse(true));
                assertEquals("Hello, World!", Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j).body());
                new ProcessBuilder("kill", "-WINCH", Long.toString(pid)).start().waitFor();
                j.await("no workers after WINCH", () -> daemon.children().count() == 0);
                assertTrue(daemon.isAlive(), "the master stays");
                new ProcessBuilder("kill", "-TTIN", Long.toString(pid)).start().waitFor();
                assertEquals("Hello, World!", Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j).body());
                new ProcessBuilder("kill", "-TERM", Long.toString(pid)).start().waitFor();
                daemon.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(Jgunicorn.read(errors).contains("graceful stop of workers"), Jgunicorn.read(errors));
            } finally {
                daemon.descendants().forEach(ProcessHandle::destroyForcibly);
                daemon.destroyForcibly();
            }
        }
    }

    /** -u/-g/-m: workers run as the given user and group; the master's unix socket gets the umask and the owner. */
    @Test
    void workersRunAsTheGivenUserGroupAndUmask() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "switching users needs root");
        Path pub = Files.createTempDirectory(Path.of("/tmp"), "jgunicorn-identity-");
        try {
            Files.setPosixFilePermissions(pub, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Path jar = Files.copy(Jgunicorn.JAR, pub.resolve("jgunicorn.jar"));
            Files.setPosixFilePermissions(jar, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Path sock = pub.resolve("app.sock");
            int port = Jgunicorn.freePort();
            try (Jgunicorn j = new Jgunicorn(jar, pub, Map.of(), "-u", "nobody", "-g", "nogroup", "-m", "027",
                    "-b", "127.0.0.1:" + port, "-b", "unix:" + sock, "dev.jgunicorn.demo.Hello")) {
                assertEquals("Hello, World!", Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j).body());
                ProcessHandle worker = j.process.children().findFirst().orElseThrow();
                String status = Files.readString(Path.of("/proc/" + worker.pid() + "/status"));
                assertTrue(status.matches("(?s).*\\nUid:\\s+65534\\s.*"), status);
                assertTrue(status.matches("(?s).*\\nGid:\\s+65534\\s.*"), status);
                assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
                assertEquals(65534, Files.getAttribute(sock, "unix:uid"));
                Process curl = new ProcessBuilder("curl", "-s", "-m", "10", "--unix-socket", sock.toString(), "http://x/").start();
                assertEquals("Hello, World!", new String(curl.getInputStream().readAllBytes()));
            }
        } finally {
            try (var files = Files.walk(pub)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
