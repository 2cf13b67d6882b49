package dev.jgunicorn.arbiter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ReloadWatcherTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);

    @ParameterizedTest
    @ValueSource(strings = {"poll", "inotify", "auto"})
    void classFileAddedModifiedDeletedInADirectoryTree(String engine, @TempDir Path dir) throws Exception {
        Path a = write(dir.resolve("classes/com/x/A.class"), "AAAA");
        try (ReloadWatcher w = new ReloadWatcher(List.of(Path.of("classes")), List.of(), dir, engine, INTERVAL)) {
            assertEquals(Optional.empty(), w.poll(), "the first call takes the baseline");

            Path b = write(dir.resolve("classes/com/x/B.class"), "BBBB");
            assertEquals("classes/com/x/B.class added", awaitChange(w));

            write(a, "aaaa"); // same size: only the mtime tells, so move it on explicitly
            bumpMtime(a);
            assertEquals("classes/com/x/A.class changed", awaitChange(w));

            Files.delete(b);
            assertEquals("classes/com/x/B.class deleted", awaitChange(w));

            Path c = write(dir.resolve("classes/com/y/C.class"), "CCCC"); // in a directory that did not exist
            assertEquals("classes/com/y/C.class added", awaitChange(w));
            write(c, "CCCCCC"); // the new directory is watched too
            assertEquals("classes/com/y/C.class changed", awaitChange(w));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poll", "inotify"})
    void jarReplacedByAtomicRenameIsAChangeEvenWithEqualSizeAndMtime(String engine, @TempDir Path dir) throws Exception {
        Path jar = write(dir.resolve("app.jar"), "jar-v1");
        Path inLib = write(dir.resolve("lib/dep.jar"), "dep-v1");
        try (ReloadWatcher w = new ReloadWatcher(List.of(jar, dir.resolve("lib")), List.of(), dir, engine, INTERVAL)) {
            w.poll();
            replaceByRename(jar, "jar-v2");
            assertEquals("app.jar changed", awaitChange(w));
            replaceByRename(inLib, "dep-v2");
            assertEquals("lib/dep.jar changed", awaitChange(w));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poll", "inotify"})
    void configFileEditedAndAMissingEntryAppearing(String engine, @TempDir Path dir) throws Exception {
        Path conf = write(dir.resolve("gunicorn.conf.py"), "workers = 2\n");
        Path jar = dir.resolve("build/app.jar");
        try (ReloadWatcher w = new ReloadWatcher(List.of(jar, conf), List.of(), dir, engine, INTERVAL)) {
            w.poll();
            write(conf, "workers = 3\n");
            bumpMtime(conf);
            assertEquals("gunicorn.conf.py changed", awaitChange(w));
            write(jar, "jar");
            assertEquals("build/app.jar added", awaitChange(w));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poll", "inotify"})
    void globExtraPatternsMatchNewFiles(String engine, @TempDir Path dir) throws Exception {
        write(dir.resolve("conf/a.properties"), "a=1");
        Path yml = write(dir.resolve("conf/app.yml"), "x: 1");
        List<String> extra = List.of("conf/*.properties", "templates/**/*.html", "conf/app.yml");
        try (ReloadWatcher w = new ReloadWatcher(List.of(), extra, dir, engine, INTERVAL)) {
            w.poll();
            write(dir.resolve("conf/notes.txt"), "not matched");
            write(dir.resolve("conf/.hidden.properties"), "hidden, as with Python's glob");
            assertQuiet(w);

            write(dir.resolve("conf/b.properties"), "b=2");
            assertEquals("conf/b.properties added", awaitChange(w));
            write(dir.resolve("templates/index.html"), "<p>"); // ** also matches no directory
            assertEquals("templates/index.html added", awaitChange(w));
            write(dir.resolve("templates/a/b/page.html"), "<p>");
            assertEquals("templates/a/b/page.html added", awaitChange(w));
            write(yml, "x: 22");
            assertEquals("conf/app.yml changed", awaitChange(w));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poll", "inotify"})
    void anUnchangedTreeReportsNothing(String engine, @TempDir Path dir) throws Exception {
        for (int i = 0; i < 20; i++) write(dir.resolve("classes/p" + i % 4 + "/C" + i + ".class"), "c" + i);
        Path jar = write(dir.resolve("app.jar"), "jar");
        Path conf = write(dir.resolve("gunicorn.conf.py"), "bind = ':8000'");
        write(dir.resolve("conf/a.properties"), "a=1");
        try (ReloadWatcher w = new ReloadWatcher(List.of(dir.resolve("classes"), jar, conf), List.of("conf/*.properties"),
                dir, engine, INTERVAL)) {
            w.poll();
            assertQuiet(w);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poll", "inotify"})
    void aFileStillChangingIsReportedOnlyOnceStable(String engine, @TempDir Path dir) throws Exception {
        Duration interval = Duration.ofMillis(300);
        Path jar = write(dir.resolve("lib/big.jar"), "start");
        try (ReloadWatcher w = new ReloadWatcher(List.of(dir.resolve("lib")), List.of(), dir, engine, interval)) {
            w.poll();
            long lastWrite = 0;
            for (int i = 0; i < 8; i++) { // 400 ms of writing, longer than the interval
                Files.writeString(jar, "more bytes ", StandardOpenOption.APPEND);
                lastWrite = System.nanoTime();
                assertEquals(Optional.empty(), w.poll(), "not reported while still being written (write " + i + ")");
                Thread.sleep(50);
            }
            assertEquals("lib/big.jar changed", awaitChange(w));
            long quiet = System.nanoTime() - lastWrite;
            assertTrue(quiet >= interval.toNanos(), "reported " + quiet / 1_000_000 + " ms after the last write");
        }
    }

    @Test
    void manyChangesAreSummarised(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("classes"));
        try (ReloadWatcher w = new ReloadWatcher(List.of(dir.resolve("classes")), List.of(), dir, "poll", INTERVAL)) {
            w.poll();
            for (String n : List.of("A", "B", "C", "D", "E")) write(dir.resolve("classes/" + n + ".class"), n);
            assertEquals("classes/A.class added, classes/B.class added, classes/C.class added and 2 more", awaitChange(w));
        }
    }

    @Test
    void literalExtraFilesMustExistGlobsNeedNot(@TempDir Path dir) throws Exception {
        write(dir.resolve("conf/present.yml"), "x: 1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                ReloadWatcher.validateLiteralExtraFiles(List.of("conf/present.yml", "conf/app.yml"), dir));
        assertEquals("reload_extra_files: conf/app.yml does not exist", e.getMessage());
        assertDoesNotThrow(() -> ReloadWatcher.validateLiteralExtraFiles(
                List.of("conf/present.yml", "conf/*.none", "missing/?.txt", "x/[ab].yml"), dir));
        assertThrows(IllegalArgumentException.class, () -> new ReloadWatcher(List.of(), List.of(), dir, "fsevents", INTERVAL));
    }

    /** Polls as the master does, faster, until a change is reported; at most 3 s. */
    private static String awaitChange(ReloadWatcher w) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            Optional<String> change = w.poll();
            if (change.isPresent()) return change.get();
            Thread.sleep(20);
        }
        return fail("no change reported within 3 s");
    }

    /** Several polls over more than two intervals report nothing. */
    private static void assertQuiet(ReloadWatcher w) throws InterruptedException {
        for (int i = 0; i < 8; i++) {
            assertEquals(Optional.empty(), w.poll(), "poll " + i);
            Thread.sleep(INTERVAL.toMillis() / 3);
        }
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    private static void bumpMtime(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 10_000));
    }

    /** As build tools do: write a temporary file, then rename it over the old one; same size, same mtime. */
    private static void replaceByRename(Path file, String content) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(file);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.setLastModifiedTime(tmp, mtime);
        assertEquals(Files.size(file), Files.size(tmp));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
