package dev.jgunicorn.arbiter;

import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Notices changed files for {@code --reload}; the master calls {@link #poll()} from its loop about once a second and
 * restarts the workers when it answers. Not thread-safe: one caller.
 *
 * <p>What is watched: each {@code watched} path (the classpath entries and the config file) is looked at anew on every
 * check: a regular file (a jar, the config) by its size, mtime and file key (inode), a directory recursively, every
 * regular file in it ({@code .class}, {@code .jar}, resources; names starting with '.' are skipped, files and
 * directories, as editors and VCSs keep their litter there). A path that does not exist is watched for appearing.
 * {@code reload_extra_files} literal entries are watched the same way; entries containing {@code *}, {@code ?} or
 * {@code [} are globs, relative to the base directory unless absolute, re-expanded on every check ({@code **} spans
 * directories, also none, as in Python's recursive glob; only regular files match; a glob matching nothing is only
 * warned about, once, at the first check). The inode makes a file replaced by rename (how build tools write jars) a
 * change even when size and mtime happen to be equal.
 *
 * <p>Engines: {@code poll} walks everything on every check. {@code inotify} registers the directory trees with a
 * {@link WatchService} (inotify on Linux) and re-walks them only when an event arrived or a tree root appeared,
 * vanished or was replaced; single files (jars, the config, literal extras) are still stat'ed on every check, which
 * is a few system calls and, unlike watching their parent directory, cannot miss a replacement by rename; globs are
 * re-expanded on every check. If a directory cannot be registered (the inotify watch limit) the trees fall back to
 * polling. {@code auto} is {@code poll}: a development classpath is small enough to stat every second, and polling
 * also sees changes that inotify does not report (network file systems, some container bind mounts), so it is the
 * robust default; Gunicorn's {@code auto} prefers inotify when available.
 *
 * <p>Debounce: a change is reported only once the watched files have stayed the same across two consecutive checks
 * at least {@code interval} apart (the same snapshot seen first at least {@code interval} earlier); any difference
 * in between restarts the wait. A jar still being written thus keeps changing size and is not reported half-way, and
 * a burst of writes (a build) becomes one report, listing what differs from the last reported state. A change
 * that is undone before it settles is not reported.
 */
public final class ReloadWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final int LISTED = 3;

    /** What a file looked like; a rewrite or a replacement by rename changes at least one part. */
    private record Stamp(long size, FileTime mtime, Object fileKey) {
        static Stamp of(BasicFileAttributes a) {
            return new Stamp(a.size(), a.lastModifiedTime(), a.fileKey());
        }
    }

    /** A reload_extra_files glob: the literal directory it starts at and a matcher for paths below it. */
    private record Glob(String pattern, Path root, PathMatcher matcher, int depth, boolean hidden) {
    }

    private final Path baseDir;
    private final List<Path> entries;
    private final List<Glob> globs = new ArrayList<>();
    private final long intervalNanos;
    private WatchService watcher; // null: poll the trees
    private Set<WatchKey> keys = new HashSet<>();
    private List<Path> treeRoots;
    private List<Object> treeIds;
    private Map<Path, Stamp> treeFiles = Map.of();
    private Map<Path, Stamp> baseline;
    private Map<Path, Stamp> pending;
    private long pendingSince;

    ReloadWatcher(List<Path> watched, List<String> extraPatterns, Path baseDir, String engine, Duration interval) {
        this.baseDir = baseDir.toAbsolutePath().normalize();
        Set<Path> paths = new LinkedHashSet<>();
        for (Path p : watched) paths.add(this.baseDir.resolve(p).normalize());
        for (String p : extraPatterns) {
            if (isGlob(p)) globs.add(compile(p, this.baseDir));
            else paths.add(this.baseDir.resolve(p).normalize());
        }
        this.entries = List.copyOf(paths);
        this.intervalNanos = interval.toNanos();
        switch (engine) {
            case "auto", "poll" -> watcher = null;
            case "inotify" -> {
                try {
                    watcher = this.baseDir.getFileSystem().newWatchService();
                } catch (IOException | UnsupportedOperationException e) {
                    log.warn("reload: no file watch service ({}); polling instead", e.getMessage());
                }
            }
            default -> throw new IllegalArgumentException("reload_engine: " + engine + " is not auto, poll or inotify");
        }
    }

    /** --reload's watcher: the app's class path, the config file and reload_extra_files. */
    static ReloadWatcher forConfig(Config config) {
        List<Path> watched = new ArrayList<>();
        for (String c : config.get(Settings.CLASSPATH)) watched.add(config.baseDir().resolve(c));
        String configFile = config.get(Settings.CONFIG);
        if (configFile != null && Files.isRegularFile(config.baseDir().resolve(configFile))) {
            watched.add(config.baseDir().resolve(configFile));
        }
        return new ReloadWatcher(watched, config.get(Settings.RELOAD_EXTRA_FILES), config.baseDir(),
                config.get(Settings.RELOAD_ENGINE), Duration.ofSeconds(1));
    }

    /** Throws if a literal (non-glob) reload_extra_files entry does not exist, as Gunicorn refuses to start then. */
    public static void validateLiteralExtraFiles(List<String> patterns, Path baseDir) {
        for (String p : patterns) {
            if (!isGlob(p) && !Files.exists(baseDir.resolve(p))) {
                throw new IllegalArgumentException("reload_extra_files: " + p + " does not exist");
            }
        }
    }

    static boolean isGlob(String pattern) {
        return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0 || pattern.indexOf('[') >= 0;
    }

    /**
     * What changed since the last report, e.g. {@code "app.jar changed"} or {@code "classes/com/x/A.class added"}
     * (paths relative to the base directory when below it), once the files have settled; empty otherwise. The first
     * call takes the baseline and answers empty.
     */
    Optional<String> poll() {
        boolean first = baseline == null;
        Map<Path, Stamp> now = scan(first);
        long t = System.nanoTime();
        if (first) {
            baseline = now;
            return Optional.empty();
        }
        if (now.equals(baseline)) {
            pending = null;
            return Optional.empty();
        }
        if (!now.equals(pending)) {
            pending = now;
            pendingSince = t;
            return Optional.empty();
        }
        if (t - pendingSince < intervalNanos) return Optional.empty();
        String what = describe(baseline, now);
        baseline = now;
        pending = null;
        return Optional.of(what);
    }

    @Override
    public void close() {
        if (watcher == null) return;
        try {
            watcher.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
        watcher = null;
    }

    private Map<Path, Stamp> scan(boolean first) {
        Map<Path, Stamp> files = new HashMap<>();
        List<Path> roots = new ArrayList<>();
        List<Object> ids = new ArrayList<>();
        for (Path p : entries) {
            BasicFileAttributes a = stat(p);
            if (a == null) continue;
            if (a.isDirectory()) {
                roots.add(p);
                ids.add(a.fileKey());
            } else if (a.isRegularFile()) {
                files.put(p, Stamp.of(a));
            }
        }
        boolean events = drainEvents();
        if (watcher == null || events || !roots.equals(treeRoots) || !ids.equals(treeIds)) {
            treeFiles = walkTrees(roots);
            treeRoots = roots;
            treeIds = ids;
        }
        files.putAll(treeFiles);
        for (Glob g : globs) {
            if (!expand(g, files) && first) {
                log.warn("reload_extra_files: {} matches no file (yet)", g.pattern());
            }
        }
        return files;
    }

    /** Empties the watch service's queue; true if anything happened in a watched directory. */
    private boolean drainEvents() {
        if (watcher == null) return false;
        boolean any = false;
        for (WatchKey k; (k = watcher.poll()) != null; ) {
            k.pollEvents();
            k.reset();
            any = true;
        }
        return any;
    }

    /** Every regular file below the roots; with a watch service, (re)registers every directory walked. */
    private Map<Path, Stamp> walkTrees(List<Path> roots) {
        Map<Path, Stamp> files = new HashMap<>();
        Set<WatchKey> registered = new HashSet<>();
        for (Path root : roots) {
            walk(root, Integer.MAX_VALUE, false, dir -> {
                if (watcher == null) return;
                try {
                    registered.add(dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY));
                } catch (IOException e) {
                    log.warn("reload: cannot watch {} ({}); polling instead", dir, e.getMessage());
                    close();
                }
            }, (file, a) -> files.put(file, Stamp.of(a)));
        }
        for (WatchKey k : keys) {
            if (!registered.contains(k)) k.cancel(); // a directory gone, moved away or replaced
        }
        keys = registered;
        return files;
    }

    /** Adds the regular files the glob matches now; false if none. */
    private boolean expand(Glob g, Map<Path, Stamp> files) {
        boolean[] matched = {false};
        walk(g.root(), g.depth(), g.hidden(), dir -> { }, (file, a) -> {
            if (g.matcher().matches(g.root().relativize(file))) {
                files.put(file, Stamp.of(a));
                matched[0] = true;
            }
        });
        return matched[0];
    }

    /** Walks a tree following links, skipping unreadable or vanishing entries and (unless hidden) dot names. */
    private static void walk(Path root, int depth, boolean hidden, Consumer<Path> dirs,
                             BiConsumer<Path, BasicFileAttributes> files) {
        if (!Files.isDirectory(root)) return;
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), depth, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(root) && !hidden && isHidden(dir)) return FileVisitResult.SKIP_SUBTREE;
                    dirs.accept(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && (hidden || !isHidden(file))) files.accept(file, attrs);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // deleted under us, unreadable, or a link loop
                }
            });
        } catch (IOException e) {
            // the visitor swallows per-file failures; the root vanishing counts as empty
        }
    }

    private static boolean isHidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    private static BasicFileAttributes stat(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
    }

    private static Glob compile(String pattern, Path baseDir) {
        int first = pattern.length();
        for (char c : new char[] {'*', '?', '['}) {
            int i = pattern.indexOf(c);
            if (i >= 0) first = Math.min(first, i);
        }
        int slash = pattern.lastIndexOf('/', first);
        Path root = baseDir.resolve(slash < 0 ? "" : slash == 0 ? "/" : pattern.substring(0, slash)).normalize();
        String rest = pattern.substring(slash + 1);
        boolean hidden = false;
        for (String seg : rest.split("/")) hidden |= seg.startsWith(".");
        // Only * ? [ are special, as in Python's glob: escape Java's other glob syntax; "**/" may match no directory.
        String glob = rest.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("**/", "{**/,}");
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        int depth = rest.contains("**") ? Integer.MAX_VALUE : rest.split("/").length;
        return new Glob(pattern, root, matcher, depth, hidden);
    }

    private String describe(Map<Path, Stamp> before, Map<Path, Stamp> after) {
        Map<String, String> changes = new TreeMap<>();
        after.forEach((p, s) -> {
            Stamp old = before.get(p);
            if (old == null) changes.put(display(p), "added");
            else if (!old.equals(s)) changes.put(display(p), "changed");
        });
        for (Path p : before.keySet()) {
            if (!after.containsKey(p)) changes.put(display(p), "deleted");
        }
        List<String> items = new ArrayList<>();
        for (Map.Entry<String, String> e : changes.entrySet()) {
            if (items.size() == LISTED) break;
            items.add(e.getKey() + " " + e.getValue());
        }
        String what = String.join(", ", items);
        return changes.size() > LISTED ? what + " and " + (changes.size() - LISTED) + " more" : what;
    }

    private String display(Path p) {
        return p.startsWith(baseDir) ? baseDir.relativize(p).toString() : p.toString();
    }
}
