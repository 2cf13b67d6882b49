package dev.jgunicorn.arbiter;

import dev.jgunicorn.cli.Jgunicorn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The class-data archive: with --preload the master trains one before its first workers, every worker starts from
 * it (the JVM's own -Xlog:aot says so), a later master without --preload uses it, and one the JVM refuses is
 * logged and made again rather than failing a start.
 */
class ClassDataArchiveTest {
    private static final Duration TRAINING = Duration.ofSeconds(120); // a training run on a busy machine
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void workersStartFromTheArchiveMadeWithPreload(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = start(dir, port, "--preload")) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), TRAINING, j);
            assertTrue(j.err().contains("Class-data archive ") && j.err().contains(" made in "), j.err());
            Path archive = archives(dir).getFirst();
            long first = workers(j).iterator().next();
            assertTrue(awaitJvmLog(j, dir, first, "Opened AOT cache").contains("Opened AOT cache " + archive));
            Set<Long> before = workers(j);
            j.signal("TTIN");
            j.await("a second worker", () -> workers(j).size() == 2);
            long added = workers(j).stream().filter(p -> !before.contains(p)).findFirst().orElseThrow();
            String jvmLog = awaitJvmLog(j, dir, added, "Opened AOT cache");
            assertTrue(jvmLog.contains("Opened AOT cache " + archive), jvmLog);
            assertFalse(jvmLog.contains("[error"), jvmLog);
            j.signal("TERM");
            j.waitFor(Duration.ofSeconds(30));
        }
        try (Jgunicorn j = start(dir, port)) {
            Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(60), j);
            long worker = workers(j).iterator().next();
            assertTrue(awaitJvmLog(j, dir, worker, "Opened AOT cache").contains("Opened AOT cache " + archives(dir).getFirst()),
                    "a master without --preload uses the archive an earlier --preload run made");
            assertEquals(1, j.process.children().count(), "no training run beside the worker");
        }
    }

    @Test
    void aDamagedArchiveIsIgnoredWithALogLineAndMadeAgain(@TempDir Path dir) throws Exception {
        int port = Jgunicorn.freePort();
        try (Jgunicorn j = start(dir, port, "--preload")) {
            j.await("the archive", TRAINING, () -> j.err().contains("Class-data archive "));
            j.signal("TERM");
            j.waitFor(Duration.ofSeconds(30));
        }
        Path archive = archives(dir).getFirst();
        try (FileChannel f = FileChannel.open(archive, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(new byte[4096]), f.size() / 2); // zeros over the middle of the classes
        }
        try (Jgunicorn j = start(dir, port, "--preload")) {
            j.await("the refusal", () -> j.err().contains("The class-data archive " + archive + " does not fit this JVM"));
            assertEquals("Hello, World!", Jgunicorn.getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(60), j).body());
            j.await("a new archive", TRAINING, () -> j.err().contains("Class-data archive " + archive + " made in"));
            assertEquals(List.of(archive), archives(dir));
        }
    }

    /** One worker, the cache in the test's directory, and the JVM's AOT log of each worker in a file of its own. */
    private static Jgunicorn start(Path dir, int port, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("-w", "1", "--jvm-arg=-Xlog:aot:file=" + dir.resolve("aot-%p.log"),
                "-b", "127.0.0.1:" + port));
        args.addAll(List.of(more));
        args.add("dev.jgunicorn.demo.Hello");
        return new Jgunicorn(dir, Map.of("XDG_CACHE_HOME", dir.resolve("cache").toString()), args.toArray(String[]::new));
    }

    private static Set<Long> workers(Jgunicorn j) {
        return j.process.children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static List<Path> archives(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("cache/jgunicorn"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("jgunicorn-")).toList();
        }
    }

    private static String awaitJvmLog(Jgunicorn j, Path dir, long pid, String line) throws InterruptedException {
        Path log = dir.resolve("aot-" + pid + ".log");
        j.await("the JVM's AOT log of worker " + pid, () -> Jgunicorn.read(log).contains(line));
        return Jgunicorn.read(log);
    }
}
