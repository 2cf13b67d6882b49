package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.OperatorConfig;
import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.settings.Setting;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gunicorn.conf.py rendered for server gunicorn, run by real Gunicorn from PyPI (bin/lib/gunicorn-venv) as the
 * pod runs it: {@code gunicorn -c gunicorn.conf.py app:app}, with the user's own config file (a post_fork hook
 * and values the resource overrides) loaded first.
 */
class RealGunicornConfigTest {
    private static final String FLASK_APP = """
            from flask import Flask
            app = Flask(__name__)

            @app.route("/")
            def hello():
                return "hello from flask\\n"
            """;

    /** The user's file: a hook that must keep working, and settings the resource manages (which must lose). */
    private static final String USER_CONFIG = """
            import os
            workers = 4
            bind = "127.0.0.1:1"
            accesslog = None

            def post_fork(server, worker):
                with open(os.path.join(os.environ["MARKER_DIR"], "post_fork"), "a") as f:
                    f.write("worker %d\\n" % worker.pid)
            """;

    @Test
    void gunicornAcceptsTheRenderedFileReadsItsValuesAndServesWithTheUsersHooks(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("app.py"), FLASK_APP);
        Files.writeString(dir.resolve("user.conf.py"), USER_CONFIG);
        GunicornServer s = Servers.python("shop");
        s.getSpec().setConfigFile(dir.resolve("user.conf.py").toString());
        s.getSpec().setWorkerClass("gthread");
        s.getSpec().setThreads(4);
        s.getSpec().setTimeout(45);
        s.getSpec().setMaxRequests(1000);
        s.getSpec().setLimitRequestLine(8000);
        s.getSpec().setSettings(Servers.settings("forwarded_allow_ips", "10.0.0.0/8", "preload_app", true,
                "statsd_prefix", "shop", "raw_env", List.of("SHOP_MODE=live")));
        Path conf = dir.resolve("gunicorn.conf.py");
        Files.writeString(conf, DesiredState.compute(s, OperatorConfig.defaults()).config().text());

        Run check = gunicorn(dir, "--check-config", "-c", conf.toString(), "app:app");
        assertEquals(0, check.exit, "gunicorn --check-config refused the rendered file:\n" + check.out);

        // What Gunicorn reads from the file: the resource's values over the user's, Gunicorn's own names.
        Run print = gunicorn(dir, "--print-config", "-c", conf.toString(), "app:app");
        assertEquals(0, print.exit, print.out);
        for (String line : List.of("bind = ['0.0.0.0:8000']", "workers = 1", "worker_class = gthread", "threads = 4",
                "timeout = 45", "max_requests = 1000", "limit_request_line = 8000", "pidfile = /tmp/gunicorn.pid",
                "statsd_host = ('127.0.0.1', 9125)", "statsd_prefix = shop", "preload_app = True", "raw_env = ['SHOP_MODE=live']",
                "forwarded_allow_ips = ['10.0.0.0/8']", "accesslog = -", "control_socket = /tmp/gunicorn.ctl")) {
            assertTrue(print.out.lines().anyMatch(l -> l.replaceAll("\\s+", " ").strip().equals(line)),
                    "gunicorn --print-config lacks '" + line + "':\n" + print.out);
        }
        assertTrue(print.out.lines().anyMatch(l -> l.matches("post_fork\\s*=\\s*<post_fork\\(\\)>")),
                "the user's hook is Gunicorn's post_fork:\n" + print.out);

        // Serving: 127.0.0.1 and this test's pidfile and statsd receiver instead of the pod's (the command line
        // wins over the file in Gunicorn, as for any option).
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (DatagramSocket statsd = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            statsd.setSoTimeout(30_000);
            ProcessBuilder pb = command(dir, "-c", conf.toString(), "-b", "127.0.0.1:" + port, "-p", dir.resolve("g.pid").toString(),
                    "--statsd-host", "127.0.0.1:" + statsd.getLocalPort(), "app:app");
            pb.environment().put("MARKER_DIR", dir.toString());
            Path log = dir.resolve("gunicorn.log");
            Process gunicorn = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                String body = get(port, gunicorn, log);
                assertEquals("hello from flask\n", body);
                List<String> marker = Files.readAllLines(dir.resolve("post_fork"));
                assertEquals(1, marker.size(), "one worker (the user's workers = 4 lost), its post_fork ran: " + marker);
                assertEquals(1, gunicorn.children().count(), "one worker under Gunicorn's master");
                String line = receive(statsd);
                assertTrue(line.startsWith("shop."), "Gunicorn's statsd lines carry the prefix the sidecar is given: " + line);
            } finally {
                gunicorn.descendants().forEach(ProcessHandle::destroyForcibly);
                gunicorn.destroyForcibly();
                gunicorn.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The settings table speaks Gunicorn's language: every setting outside jgunicorn's own JVM section is one that
     * Gunicorn 27 knows (so spec.settings passes it on with server gunicorn), every jgunicorn-only one is unknown to
     * Gunicorn (so it is refused rather than silently ignored), and Gunicorn has nothing jgunicorn lacks but its
     * Python hook functions.
     */
    @Test
    void theSettingsTableMatchesRealGunicornsSettings() throws Exception {
        Process p = new ProcessBuilder(venv().resolve("bin/python").toString(), "-c",
                "from gunicorn.config import KNOWN_SETTINGS\nfor s in KNOWN_SETTINGS: print(s.name)")
                .redirectErrorStream(true).start();
        Set<String> gunicorn = new TreeSet<>(List.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split("\n")));
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "python: " + gunicorn);
        Set<String> sharedButUnknown = new TreeSet<>();
        Set<String> ownButKnown = new TreeSet<>();
        Set<String> ours = new TreeSet<>();
        for (Setting<?> s : Settings.ALL) {
            ours.add(s.name());
            if (s.jgunicornOnly() && gunicorn.contains(s.name())) ownButKnown.add(s.name());
            if (!s.jgunicornOnly() && !gunicorn.contains(s.name())) sharedButUnknown.add(s.name());
        }
        assertEquals(Set.of(), sharedButUnknown, "settings outside the JVM section that Gunicorn does not know");
        assertEquals(Set.of(), ownButKnown, "JVM-section settings that Gunicorn has: move them to Gunicorn's section");
        Set<String> missing = new TreeSet<>(gunicorn);
        missing.removeAll(ours);
        missing.removeAll(SpecSettings.GUNICORN_FUNCTIONS);
        assertEquals(Set.of(), missing, "Gunicorn's settings the table lacks");
        for (String key : SpecSettings.INSTEAD_WITH_GUNICORN.keySet()) {
            assertTrue(Settings.byName(key).map(Setting::jgunicornOnly).orElse(false), key + " has advice for Gunicorn but is not jgunicorn-only");
        }
    }

    /** Every setting spec.settings accepts with server gunicorn, at its default, is a value real Gunicorn takes. */
    @Test
    void everySettingTheResourceAcceptsForGunicornIsOneGunicornAccepts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("app.py"), FLASK_APP);
        Map<String, Object> accepted = new TreeMap<>();
        int total = 0;
        for (Setting<?> setting : Settings.ALL) {
            String n = setting.name();
            if (SpecSettings.MANAGED_FOR_GUNICORN.containsKey(n) || setting.jgunicornOnly()
                    || SpecSettings.GUNICORN_FUNCTIONS.contains(n) || SpecSettings.fieldFor(n).isPresent()) continue;
            total++;
            Object d = setting.defaultValue(Map.of());
            if (d != null && !n.equals("chdir")) accepted.put(n, d instanceof Integer i ? i.longValue() : d);
        }
        GunicornServer s = Servers.python("shop");
        s.getSpec().setSettings(Servers.settings(accepted.entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue())).toArray()));
        Path conf = dir.resolve("gunicorn.conf.py");
        Files.writeString(conf, DesiredState.compute(s, OperatorConfig.defaults()).config().text());
        Run check = gunicorn(dir, "--check-config", "-c", conf.toString(), "app:app");
        assertEquals(0, check.exit, "gunicorn --check-config refused the rendered file:\n" + check.out + "\n" + Files.readString(conf));
        assertTrue(accepted.size() > 50, accepted.keySet().toString());
        System.out.println("spec.settings accepts " + total + " settings with server gunicorn; checked here at their defaults: "
                + accepted.size() + " (the rest default to None or the working directory)");
    }

    private static String receive(DatagramSocket socket) throws Exception {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    /** GETs / once Gunicorn listens (retrying while the connection is refused, failing if Gunicorn exits). */
    private static String get(int port, Process gunicorn, Path log) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
            } catch (java.net.ConnectException e) {
                if (!gunicorn.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("Gunicorn did not serve:\n" + Files.readString(log), e);
                }
                Thread.sleep(100);
            }
        }
    }

    private record Run(int exit, String out) {
    }

    private static Run gunicorn(Path dir, String... args) throws Exception {
        Process p = command(dir, args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "gunicorn " + String.join(" ", args) + " did not finish");
        return new Run(p.exitValue(), out);
    }

    private static ProcessBuilder command(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(venv().resolve("bin/gunicorn").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove("GUNICORN_CMD_ARGS");
        pb.environment().remove("WEB_CONCURRENCY");
        pb.environment().put("MARKER_DIR", dir.toString());
        return pb;
    }

    private static Path venv() throws Exception {
        Process p = new ProcessBuilder(Servers.repo().resolve("bin/lib/gunicorn-venv").toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES) && p.exitValue() == 0, "bin/lib/gunicorn-venv failed (python3-venv missing? bin/lib/test-tools.sh installs it)");
        return Path.of(out);
    }
}
