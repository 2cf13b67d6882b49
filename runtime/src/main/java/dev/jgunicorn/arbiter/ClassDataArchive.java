package dev.jgunicorn.arbiter;

import dev.jgunicorn.process.JvmCommand;
import dev.jgunicorn.process.ProcessEnvironment;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * --preload's speed-up: a JVM cannot fork a loaded app, but it can start from a class-data-sharing archive.
 * Before the first workers start, the master runs one short training worker that loads the app and serves a few
 * internal requests, and the JVM writes the classes it loaded to an archive ({@code -XX:ArchiveClassesAtExit}).
 * Workers then map that archive: less class loading at boot, and the metadata pages are shared between them.
 * The archive is cached per JVM, class path, app and JVM options, and made again when any of them changes.
 */
final class ClassDataArchive {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private ClassDataArchive() {
    }

    /**
     * The archive for this configuration and the workers' JVM options, made now if missing; empty when it cannot be
     * made (workers start without).
     */
    static Optional<Path> prepare(Config config, List<String> args, List<String> jvmOptions) {
        try {
            Path archive = cacheDir().resolve("jgunicorn-" + key(config, jvmOptions) + ".jsa");
            if (Files.isRegularFile(archive)) return Optional.of(archive);
            Path tmp = Files.createTempFile(archive.getParent(), "training-", ".jsa");
            Files.delete(tmp);
            List<String> options = new ArrayList<>(jvmOptions);
            options.add("-XX:ArchiveClassesAtExit=" + tmp);
            List<String> cmd = JvmCommand.jgunicorn(options, args);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(config.baseDir().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put(ProcessEnvironment.WORKER, "0");
            pb.environment().put(ProcessEnvironment.TRAINING, "1");
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                log.warn("preload: the class-data training run did not finish in 120 s; workers start without an archive");
                return Optional.empty();
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
                log.warn("preload: the class-data training run failed (exit {}); workers start without an archive", p.exitValue());
                return Optional.empty();
            }
            Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.info("preload: class-data archive {} made in {} ms", archive, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return Optional.of(archive);
        } catch (IOException e) {
            log.warn("preload: cannot make a class-data archive ({}); workers start without one", e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Path cacheDir() throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path dir = xdg != null ? Path.of(xdg, "jgunicorn") : Path.of(System.getProperty("user.home"), ".cache", "jgunicorn");
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            return Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "jgunicorn-cache"));
        }
    }

    /** Whatever changes the classes a worker loads changes the key: the JVM, its options, the jars and the app. */
    private static String key(Config config, List<String> jvmOptions) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            List<String> parts = new ArrayList<>(List.of(System.getProperty("java.home"), Runtime.version().toString(),
                    String.join(" ", jvmOptions), String.valueOf(config.app())));
            List<String> files = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
            for (String c : config.get(Settings.CLASSPATH)) files.add(config.baseDir().resolve(c).toString());
            for (String f : files) {
                Path p = Path.of(f);
                parts.add(f + (Files.exists(p) ? ":" + Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis() : ""));
            }
            for (String part : parts) d.update((part + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
