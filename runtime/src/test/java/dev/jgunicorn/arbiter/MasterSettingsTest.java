package dev.jgunicorn.arbiter;

import dev.jgunicorn.cli.Jgunicorn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --reload, --preload and --workers auto, as a user runs them. */
class MasterSettingsTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void reloadRestartsTheWorkersWhenAWatchedFileChanges(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        Path marker = Files.writeString(dir.resolve("app.properties"), "greeting=hello\n");
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--reload", "--reload-extra-file", "app.properties",
                "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            j.await("one worker", () -> j.process.children().count() == 1);
            long before = j.process.children().findFirst().orElseThrow().pid();
            Files.writeString(marker, "greeting=bonjour\n");
            Files.setLastModifiedTime(marker, FileTime.from(Instant.now().plusSeconds(5)));
            j.await("the reload", () -> j.err().contains("Reloading: app.properties changed"));
            j.await("a new worker in place of the old", () -> j.process.children().count() == 1
                    && j.process.children().noneMatch(p -> p.pid() == before));
            assertEquals("Hello, World!", Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j).body());
        }
    }

    @Test
    void reloadRefusesAMissingLiteralExtraFile(@TempDir Path dir) throws Exception {
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "--reload", "--reload-extra-file", "missing.yml", "dev.jgunicorn.demo.Hello")) {
            assertEquals(1, j.waitFor(Duration.ofSeconds(30)));
            assertTrue(j.err().contains("reload_extra_files: missing.yml does not exist"), j.err());
        }
    }

    /** The measurement the docs quote: worker boot time without and with --preload's class-data archive. */
    @Test
    void preloadStartsWorkersFromAClassDataArchive(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("XDG_CACHE_HOME", dir.resolve("cache").toString());
        long plain = bootMillis(dir, env);
        long preloaded = -1;
        for (int run = 0; run < 2; run++) { // the first run makes the archive, the second finds it cached
            preloaded = bootMillis(dir, env, "--preload");
        }
        try (var files = Files.list(dir.resolve("cache/jgunicorn"))) {
            assertEquals(1, files.filter(f -> f.getFileName().toString().startsWith("jgunicorn-")).count(), "one cached archive");
        }
        System.out.printf("worker boot: %d ms without --preload, %d ms with its class-data archive%n", plain, preloaded);
        assertTrue(preloaded > 0 && plain > 0);
    }

    private long bootMillis(Path dir, Map<String, String> env, String... extra) throws Exception {
        int port = Jgunicorn.freePort();
        String[] args = new String[extra.length + 3];
        System.arraycopy(extra, 0, args, 0, extra.length);
        args[extra.length] = "-b";
        args[extra.length + 1] = "127.0.0.1:" + port;
        args[extra.length + 2] = "dev.jgunicorn.demo.Hello";
        try (Jgunicorn j = new Jgunicorn(dir, env, args)) {
            j.await("the boot time", () -> j.err().contains("booted in"));
            assertEquals("Hello, World!", Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j).body());
            Matcher m = Pattern.compile("booted in (\\d+) ms").matcher(j.err());
            assertTrue(m.find());
            j.signal("TERM");
            j.waitFor(Duration.ofSeconds(30));
            return Long.parseLong(m.group(1));
        }
    }

    @Test
    void workersAutoFollowsTheMachine(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = new Jgunicorn(dir, Map.of(), "-w", "auto", "-b", "127.0.0.1:" + port, "dev.jgunicorn.demo.Hello")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(30), j);
            int expected = CgroupLimits.autoWorkers(CgroupLimits.read(), Runtime.getRuntime().availableProcessors(), 256L << 20);
            j.await("the auto count in the log", () -> j.err().contains("workers auto: " + expected + " ("));
            j.await(expected + " workers", () -> j.process.children().count() == expected);
        }
    }
}
