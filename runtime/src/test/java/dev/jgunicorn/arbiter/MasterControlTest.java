package dev.jgunicorn.arbiter;

import dev.jgunicorn.cli.Jgunicorn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jgunicorn ctl over the control socket, the USR2 binary upgrade, server hooks and process names, all on real processes. */
class MasterControlTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Runs {@code jgunicorn ctl ARGS} as a user would; returns exit code and output. */
    private static String[] ctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Jgunicorn.JAVA, "-jar", Jgunicorn.JAR.toString(), "ctl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "ctl finished");
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    private static String once(int port, String path) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String r = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int eol = r.indexOf("\r\n");
            return eol < 0 ? "empty answer" : r.substring(0, eol);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static List<Long> pidsIn(String table) {
        List<Long> pids = new ArrayList<>();
        for (String line : table.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].matches("\\d+")) pids.add(Long.parseLong(f[1]));
        }
        return pids;
    }

    @Test
    void ctlShowsWorkersAndChangesTheirNumber(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path sock = dir.resolve("ctl.sock");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "2", "-b", "127.0.0.1:" + port, "--control-socket", sock.toString(),
                "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)), "control_socket_mode 0600");
            for (int i = 0; i < 5; i++) assertEquals("HTTP/1.1 200 OK", once(port, "/"));

            j.await("both workers reporting requests", () -> {
                try {
                    String t = ctl("-s", sock.toString(), "show", "workers")[1];
                    return pidsIn(t).size() == 2 && t.contains("serving") && requestsIn(t) >= 5;
                } catch (Exception e) {
                    return false;
                }
            });
            String[] workers = ctl("-s", sock.toString(), "show", "workers");
            assertEquals("0", workers[0], workers[1]);
            assertEquals(j.process.children().map(ProcessHandle::pid).sorted().toList(), pidsIn(workers[1]).stream().sorted().toList(),
                    "show workers lists the master's worker processes");

            assertEquals("0", ctl("-s", sock.toString(), "worker", "add", "2")[0]);
            j.await("four workers", () -> j.process.children().count() == 4);
            assertEquals("0", ctl("-s", sock.toString(), "worker", "remove")[0]);
            j.await("three workers", () -> j.process.children().count() == 3);

            long victim = j.process.children().findFirst().orElseThrow().pid();
            String[] kill = ctl("-s", sock.toString(), "worker", "kill", Long.toString(victim));
            assertEquals("0", kill[0], kill[1]);
            j.await("the worker replaced", () -> j.process.children().count() == 3
                    && j.process.children().noneMatch(p -> p.pid() == victim));

            String[] stats = ctl("-s", sock.toString(), "show", "stats");
            assertTrue(stats[1].contains("master_pid: " + j.process.pid()) && stats[1].contains("workers_target: 3"), stats[1]);
            assertTrue(ctl("-s", sock.toString(), "show", "listeners")[1].contains("http://127.0.0.1:" + port), "listeners");

            String[] bad = ctl("-s", sock.toString(), "worker", "dance");
            assertEquals("2", bad[0], bad[1]);
            assertTrue(bad[1].contains("unknown command 'worker dance'"), bad[1]);

            String[] shutdown = ctl("-s", sock.toString(), "shutdown");
            assertEquals("0", shutdown[0], shutdown[1]);
            assertEquals(0, j.waitFor(Duration.ofSeconds(40)));
            assertFalse(Files.exists(sock), "the socket file is removed when the master exits");
        }
        String[] none = ctl("-s", sock.toString(), "show", "workers");
        assertEquals("3", none[0]);
        assertTrue(none[1].contains("no master answers on " + sock), none[1]);
    }

    private static long requestsIn(String table) {
        long sum = 0;
        for (String line : table.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 6 && f[0].matches("\\d+")) sum += Long.parseLong(f[4]);
        }
        return sum;
    }

    @Test
    void aSecondMasterDoesNotStealALiveControlSocket(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("ctl.sock");
        int port1 = Jgunicorn.freePort();
        int port2 = Jgunicorn.freePort();
        try (Jgunicorn first = new Jgunicorn(dir, Map.of(), "-b", "127.0.0.1:" + port1, "--control-socket", sock.toString(),
                "dev.jgunicorn.demo.Hello");
             Jgunicorn second = new Jgunicorn(dir, Map.of(), "-b", "127.0.0.1:" + port2, "--control-socket", sock.toString(),
                     "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port1 + "/"), Duration.ofSeconds(30), first);
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port2 + "/"), Duration.ofSeconds(30), second);
            Jgunicorn late = first.err().contains("is in use by another master") ? first : second;
            Jgunicorn owner = late == first ? second : first;
            assertTrue(late.err().contains("Control socket " + sock + " is in use by another master"), late.err());
            assertTrue(ctl("-s", sock.toString(), "show", "stats")[1].contains("master_pid: " + owner.process.pid()));
        }
    }

    /** USR2 under continuous load: a new master takes the sockets, the old one leaves on TERM, no request fails. */
    @Test
    void binaryUpgradeKeepsServingThroughout(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path pidfile = dir.resolve("app.pid");
        Path unix = dir.resolve("app.sock");
        Path sock = dir.resolve("ctl.sock");
        // A graceful timeout longer than the wait for the old master below: its workers, sharing the listeners with
        // the new master's under steady load, must stop draining the queue once the kernel shows it empty instead
        // of accepting their share until the grace ends (and cutting whatever they accepted last).
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "2", "-k", "gthread", "-b", "127.0.0.1:" + port, "-b", "unix:" + unix,
                "--graceful-timeout", "90", "-p", pidfile.toString(), "--control-socket", sock.toString(), "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            j.await("two workers", () -> j.process.children().count() == 2);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            AtomicReference<String> failure = new AtomicReference<>();
            Thread load = Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    String status = once(port, "/");
                    if (status.equals("HTTP/1.1 200 OK")) ok.incrementAndGet();
                    else failure.compareAndSet(null, status);
                }
            });
            j.signal("USR2");
            Path pidfile2 = dir.resolve("app.pid.2");
            j.await("the new master's pidfile " + pidfile2, () -> Jgunicorn.read(pidfile2).strip().matches("\\d+"));
            long newMaster = Long.parseLong(Jgunicorn.read(pidfile2).strip());
            ProcessHandle next = ProcessHandle.of(newMaster).orElseThrow();
            try {
                assertEquals(Long.toString(j.process.pid()), Jgunicorn.read(pidfile).strip(), "the old master keeps its pidfile");
                j.await("the new master's two workers booted", () -> j.err().split("\\[" + newMaster + "] \\[INFO] Worker \\(pid:\\d+\\) booted", -1).length == 3);
                j.signal("TERM");
                assertEquals(0, j.waitFor(Duration.ofSeconds(40)), "the old master leaves with 0");
                j.await("the new master takes the pidfile", () -> Jgunicorn.read(pidfile).strip().equals(Long.toString(newMaster))
                        && !Files.exists(pidfile2));
                Thread.sleep(500);
                running.set(false);
                load.join(30_000);
                System.out.printf("USR2 upgrade under load: %d requests succeeded, %s%n", ok.get(),
                        failure.get() == null ? "0 failed" : "failure: " + failure.get());
                assertEquals(null, failure.get(), "no request failed across the upgrade (" + ok.get() + " succeeded)");
                assertTrue(ok.get() > 20, "requests kept flowing: " + ok.get());
                assertTrue(next.isAlive(), "the new master runs on");
                assertTrue(Files.exists(unix), "the Unix socket's path survives the old master");
                j.await("the new master owns the control socket", () -> {
                    try {
                        return ctl("-s", sock.toString(), "show", "stats")[1].contains("master_pid: " + newMaster);
                    } catch (Exception e) {
                        return false;
                    }
                });
                String viaUnix = new String(new ProcessBuilder("curl", "-s", "--unix-socket", unix.toString(), "http://x/")
                        .start().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals("Hello, World!", viaUnix, "the new master's workers serve the inherited Unix socket");
                new ProcessBuilder("kill", "-TERM", Long.toString(newMaster)).start().waitFor();
                next.onExit().get(40, TimeUnit.SECONDS);
                assertFalse(Files.exists(pidfile), "the new master removes its pidfile on exit");
            } finally {
                next.descendants().forEach(ProcessHandle::destroyForcibly);
                next.destroyForcibly();
            }
        }
    }

    /** HUP re-reads gunicorn.conf.py: new workers run the new settings; a broken file or app changes nothing. */
    @Test
    void hupAppliesANewConfigurationAndKeepsServingThroughABadOne(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path conf = dir.resolve("gunicorn.conf.py");
        String base = "bind = '127.0.0.1:" + port + "'\nworkers = 2\nclasspath = '" + Jgunicorn.testClasses() + "'\n";
        Files.writeString(conf, base + "wsgi_app = 'dev.jgunicorn.testapps.EnvApp'\nraw_env = ['FOO=one']\n");
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of())) {
            assertTrue(Jgunicorn.getWhenUp(client, uri, Duration.ofSeconds(30), j).body().contains(" one "));
            j.await("two workers", () -> j.process.children().count() == 2);

            Files.writeString(conf, base + "wsgi_app = 'dev.jgunicorn.testapps.EnvApp'\nraw_env = ['FOO=two']\nworkers = 3\n");
            j.signal("HUP");
            j.await("three workers with the new environment", () -> j.process.children().count() == 3
                    && Jgunicorn.read(conf).contains("two") && answersWith(uri, " two ", 6));

            List<Long> serving = j.process.children().map(ProcessHandle::pid).sorted().toList();
            Files.writeString(conf, base + "workers = 'many'\n");
            j.signal("HUP");
            j.await("the error", () -> j.err().contains("Reload failed, the running configuration and workers stay: gunicorn.conf.py:4: Invalid value for workers"));
            Files.writeString(conf, base + "wsgi_app = 'com.example.Missing'\n");
            j.signal("HUP");
            j.await("the failed boot", () -> j.err().contains("failed to boot after a reload"));
            Thread.sleep(1000);
            assertEquals(serving, j.process.children().map(ProcessHandle::pid).sorted().toList(), "the old workers stay");
            assertTrue(answersWith(uri, " two ", 6), "and serve with their configuration");
            assertTrue(j.process.isAlive(), "the master runs on");
        }
    }

    /** True when {@code n} requests in a row answer with a body containing {@code text}. */
    private boolean answersWith(URI uri, String text, int n) {
        try {
            for (int i = 0; i < n; i++) {
                var r = client.send(java.net.http.HttpRequest.newBuilder(uri).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (!r.body().contains(text)) return false;
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void hooksRunInTheMasterAndTheWorkersAtGunicornsMoments(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path hookLog = dir.resolve("hooks.log");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of("HOOKS_LOG", hookLog.toString()), "-w", "1", "-b", "127.0.0.1:" + port,
                "--classpath", Jgunicorn.testClasses(), "--hooks", "dev.jgunicorn.testapps.RecordingHooks", "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/x"), Duration.ofSeconds(30), j);
            long worker = j.process.children().findFirst().orElseThrow().pid();
            assertEquals("HTTP/1.1 200 OK", once(port, "/hook-fails"), "a failing pre_request hook is logged, the request served");
            j.signal("TTIN");
            j.await("a second worker", () -> j.process.children().count() == 2);
            j.signal("TERM");
            assertEquals(0, j.waitFor(Duration.ofSeconds(40)));
            String master = j.process.pid() + " ";
            List<String> lines = Files.readAllLines(hookLog);
            List<String> inMaster = lines.stream().filter(l -> l.startsWith(master)).map(l -> l.substring(master.length())).toList();
            List<String> inWorker = lines.stream().filter(l -> l.startsWith(worker + " ")).map(l -> l.substring((worker + " ").length())).toList();
            assertEquals(List.of("on_starting workers=1", "when_ready ", "nworkers_changed 1 -1", "pre_fork worker=1",
                    "nworkers_changed 2 1", "pre_fork worker=2"), inMaster.subList(0, 6), lines.toString());
            assertTrue(inMaster.stream().filter(l -> l.startsWith("child_exit ")).count() == 2
                    && inMaster.get(inMaster.size() - 1).equals("on_exit "), inMaster.toString());
            // getWhenUp may have asked /x more than once (a slow first answer on a loaded machine): each is a pair.
            long asks = inWorker.stream().filter("pre_request GET /x"::equals).count();
            assertTrue(asks >= 1, inWorker.toString());
            List<String> expected = new java.util.ArrayList<>(List.of("post_fork worker=1", "post_worker_init worker=1"));
            for (long i = 0; i < asks; i++) expected.addAll(List.of("pre_request GET /x", "post_request /x 200"));
            expected.addAll(List.of("pre_request GET /hook-fails", "post_request /hook-fails 200", "worker_exit worker=1"));
            assertEquals(expected, inWorker, lines.toString());
            assertTrue(j.err().contains("Exception in pre_request hook") && j.err().contains("hook failure on purpose"), j.err());
        }
    }

    @Test
    void aHooksClassThatIsNotServerHooksStopsTheStart(@TempDir Path dir) throws Exception {
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--classpath", Jgunicorn.testClasses(), "--hooks",
                "dev.jgunicorn.testapps.Crash", "dev.jgunicorn.demo.Hello")) {
            assertEquals(1, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("hooks") && j.err().contains("does not implement dev.jgunicorn.hooks.ServerHooks"), j.err());
        }
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--hooks", "com.example.Missing", "dev.jgunicorn.demo.Hello")) {
            assertEquals(1, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("class com.example.Missing was not found"), j.err());
        }
    }

    @Test
    void processNamesShowTheRoleAndProcName(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "1", "-n", "shop-api", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            ProcessHandle worker = j.process.children().findFirst().orElseThrow();
            String cmdline = Files.readString(Path.of("/proc/" + worker.pid() + "/cmdline")).replace('\0', ' ');
            assertTrue(cmdline.startsWith("jgunicorn: worker [shop-api] "), cmdline);
            assertEquals("shop-api", Files.readString(Path.of("/proc/" + worker.pid() + "/comm")).strip());
            assertEquals("shop-api", Files.readString(Path.of("/proc/" + j.process.pid() + "/comm")).strip());
        }
    }
}
