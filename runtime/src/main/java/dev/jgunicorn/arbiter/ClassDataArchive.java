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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What makes a new worker serve sooner: a JVM cannot fork a loaded app, but it can start from an archive of the
 * classes an earlier run loaded and linked. On JDK 25 and later that is the AOT cache (JEP 483's class loading and
 * linking, JEP 515's method profiles, made in one training run by JEP 514's {@code -XX:AOTCacheOutput}); on JDK 21
 * to 24 a dynamic class-data-sharing archive ({@code -XX:ArchiveClassesAtExit}).
 *
 * <p>The training run is one short worker that loads the app and serves a few internal requests, then exits; the
 * JVM writes the archive as it exits. Archives are cached per JVM, class path, app and JVM options, and made again
 * when any of them changes. The JVM checks an archive before the master hands it to workers (a worker started
 * from one that does not fit would run without it, slower and with an error in the log): one that does not fit
 * is logged, deleted and made again.
 */
final class ClassDataArchive {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    /** JDK 25 has the one-step AOT cache; JDK 24's needs two runs, so it takes the CDS path with JDK 21. */
    private static final boolean AOT_CACHE = Runtime.version().feature() >= 25;
    private static final String SUFFIX = AOT_CACHE ? ".aot" : ".jsa";
    private static final long TRAINING_SECONDS = 120;

    private ClassDataArchive() {
    }

    /** The JVM options that start a JVM from {@code archive}. */
    static List<String> useOptions(Path archive) {
        if (AOT_CACHE) return List.of("-XX:AOTCache=" + archive);
        // JDK 21's base archive was dumped without --enable-native-access and says so on every start; the
        // worker's boot time in the master's log shows whether the archive helped
        return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off");
    }

    /**
     * The cached archive for this configuration and the workers' JVM options when the JVM accepts it; a cached
     * archive it refuses (another JVM build, a damaged file) is logged with the JVM's reason and deleted.
     */
    static Optional<Path> cached(Config config, List<String> jvmOptions) {
        try {
            Path archive = path(config, jvmOptions);
            if (!Files.isRegularFile(archive)) return Optional.empty();
            Optional<String> refusal = refusal(archive, jvmOptions);
            if (refusal.isEmpty()) {
                log.info("Workers start from the class-data archive {}", archive);
                return Optional.of(archive);
            }
            log.warn("The class-data archive {} does not fit this JVM ({}); ignored, deleted and made again", archive, refusal.get());
            Files.deleteIfExists(archive);
        } catch (IOException e) {
            log.warn("Cannot read the class-data archive ({}); workers start without one", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /**
     * The AOT cache baked into the runtime image ({@link ProcessEnvironment#AOT_CACHE}) when the JVM accepts it
     * with these options: it holds the JDK's and jgunicorn's classes as a worker serving the demo app loads them,
     * whatever the app. One it refuses (the image's JVM or jar replaced) is logged and left: the image is read-only.
     */
    static Optional<Path> baked(List<String> jvmOptions) {
        String named = System.getenv(ProcessEnvironment.AOT_CACHE);
        if (!AOT_CACHE || named == null || named.isEmpty() || !Files.isRegularFile(Path.of(named))) return Optional.empty();
        Path archive = Path.of(named);
        try {
            Optional<String> refusal = refusal(archive, jvmOptions);
            if (refusal.isPresent()) {
                log.warn("The image's AOT cache {} does not fit this JVM ({}); workers start without it", archive, refusal.get());
                return Optional.empty();
            }
        } catch (IOException e) {
            log.warn("Cannot check the image's AOT cache ({}); workers start without it", e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        log.info("Workers start from the image's AOT cache {}", archive);
        return Optional.of(archive);
    }

    /**
     * Makes the archive in a training run on a thread of its own; completes with it, or empty when it cannot be
     * made (workers keep starting without one, as the log says).
     */
    static CompletableFuture<Optional<Path>> train(Config config, List<String> args, List<String> jvmOptions) {
        CompletableFuture<Optional<Path>> made = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("jgunicorn-training").start(() -> made.complete(trainNow(config, args, jvmOptions)));
        return made;
    }

    private static Optional<Path> trainNow(Config config, List<String> args, List<String> jvmOptions) {
        try {
            Path archive = path(config, jvmOptions);
            Path tmp = Files.createTempFile(archive.getParent(), "training-", SUFFIX);
            Files.delete(tmp);
            List<String> options = new ArrayList<>(jvmOptions);
            options.add(AOT_CACHE ? "-XX:AOTCacheOutput=" + tmp : "-XX:ArchiveClassesAtExit=" + tmp);
            ProcessBuilder pb = new ProcessBuilder(JvmCommand.jgunicorn(options, args)).directory(config.baseDir().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put(ProcessEnvironment.WORKER, "0");
            pb.environment().put(ProcessEnvironment.TRAINING, "1");
            pb.environment().put(ProcessEnvironment.SETTINGS, config.encode());
            long t0 = System.nanoTime();
            Process p = pb.start();
            Thread stopTraining = new Thread(() -> { // a master that exits first takes its training run along
                p.destroyForcibly();
                deleteTrainingFiles(tmp);
            });
            Runtime.getRuntime().addShutdownHook(stopTraining);
            boolean finished = p.waitFor(TRAINING_SECONDS, TimeUnit.SECONDS);
            try {
                Runtime.getRuntime().removeShutdownHook(stopTraining);
            } catch (IllegalStateException shuttingDown) {
                return Optional.empty();
            }
            if (!finished) {
                p.destroyForcibly();
                deleteTrainingFiles(tmp);
                log.warn("The class-data training run did not finish in {} s; workers start without an archive", TRAINING_SECONDS);
                return Optional.empty();
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
                log.warn("The class-data training run failed (exit {}); workers start without an archive", p.exitValue());
                deleteTrainingFiles(tmp);
                return Optional.empty();
            }
            Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.info("Class-data archive {} made in {} ms; workers start from it", archive,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return Optional.of(archive);
        } catch (IOException e) {
            log.warn("Cannot make a class-data archive ({}); workers start without one", e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The archive a training run was writing, and the JDK's configuration file beside it (JEP 514). */
    private static void deleteTrainingFiles(Path tmp) {
        for (Path f : List.of(tmp, tmp.resolveSibling(tmp.getFileName() + ".config"))) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                log.debug("cannot delete {}: {}", f, e.getMessage());
            }
        }
    }

    /**
     * Why the JVM refuses to start from {@code archive} with these options, or empty when it accepts it: a JVM
     * started as a worker's would be, told to fail rather than run without the archive, and to check the archive's
     * checksum (a damaged archive can crash a JVM that trusts it).
     */
    private static Optional<String> refusal(Path archive, List<String> jvmOptions) throws IOException, InterruptedException {
        List<String> options = new ArrayList<>(jvmOptions);
        options.addAll(List.of(AOT_CACHE ? "-XX:AOTCache=" + archive : "-XX:SharedArchiveFile=" + archive,
                AOT_CACHE ? "-XX:AOTMode=on" : "-Xshare:on", "-XX:+VerifySharedSpaces"));
        List<String> cmd = JvmCommand.jvm(options);
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() == 0) return Optional.empty();
        // the JVM's own words: its first error line, which names the mismatch
        return Optional.of(out.lines().filter(l -> l.contains("error") || l.contains("Error")).findFirst()
                .orElse("exit " + p.exitValue()).replaceFirst("^\\[[^]]*]\\[error *]\\[[^]]*] *", ""));
    }

    private static Path path(Config config, List<String> jvmOptions) throws IOException {
        return cacheDir().resolve("jgunicorn-" + key(config, jvmOptions) + SUFFIX);
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
