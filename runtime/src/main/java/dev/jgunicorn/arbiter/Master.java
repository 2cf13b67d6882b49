package dev.jgunicorn.arbiter;

import dev.jgunicorn.hooks.Arbiter;
import dev.jgunicorn.hooks.Hooks;
import dev.jgunicorn.hooks.WorkerInfo;
import dev.jgunicorn.process.ExitCodes;
import dev.jgunicorn.process.JvmCommand;
import dev.jgunicorn.process.Logging;
import dev.jgunicorn.process.ProcessEnvironment;
import dev.jgunicorn.process.ProcessTitle;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.ConfigLoader;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.Version;
import dev.jgunicorn.server.WorkerModel;
import dev.jgunicorn.worker.Worker;
import dev.jgunicorn.worker.WorkerIdentity;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The master, as Gunicorn's arbiter: it opens every listener, starts worker JVMs that serve those same sockets
 * (passed over a Unix socket, the worker link), and keeps their number. Its whole life is one loop over queued
 * signals and control-socket commands, worker reports (boot, heartbeat, recycle) and exited workers. It never
 * serves requests itself. Hooks see it as a {@link Arbiter}.
 */
public final class Master {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    static final long BOOT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
    private static final long MAX_BACKOFF_MILLIS = 30_000;
    private static final List<String> SIGNALS = List.of("TERM", "INT", "HUP", "TTIN", "TTOU", "USR1", "USR2", "WINCH", "CHLD");

    private Config config;          // re-read on HUP
    private Config previousConfig;  // the one before the last HUP, kept until the new workers booted
    private final List<String> args;
    private final Hooks hooks;
    private final WorkerIdentity identity;
    /** Signal names and control-socket commands, in arrival order: the loop's only input besides child state. */
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Map<Integer, WorkerProcess> workers = new LinkedHashMap<>();
    private int target;
    private boolean reloading;     // a reload's new workers have not all booted yet
    private boolean reloadQueued;  // a HUP came during that reload: one more runs when it completes
    private int nextNumber = 1;
    private int fastFailures;
    private long nextSpawnMillis;
    private EventLoopGroup group;
    private Listeners listeners = Listeners.none();
    private WorkerLinkServer links;
    private Path runDir;
    private CompletableFuture<Optional<Path>> archive = CompletableFuture.completedFuture(Optional.empty());
    private final long memoryBytes = HeapSize.memoryBytes();
    private ReloadWatcher watcher;
    private ControlSocket controlSocket;
    private final ControlCommands commands = new ControlCommands(this);
    private final MasterMetrics metrics = new MasterMetrics();
    private final Upgrade upgrade = new Upgrade();

    public Master(Config config, List<String> args, Hooks hooks) {
        this.config = config;
        this.args = args;
        this.target = WorkerCount.of(config);
        this.identity = WorkerIdentity.of(config);
        this.hooks = hooks;
    }

    public int run() {
        log.info("Starting jgunicorn {}", Version.get());
        ProcessTitle.setShortName(config);
        Pidfile.write(config, upgrade.oldMasterRuns());
        try {
            hooks.callOrFail(h -> h.onStarting(arbiter()));
        } catch (RuntimeException e) {
            log.error("on_starting hook failed; not starting", e);
            Pidfile.delete(config, upgrade.oldMasterRuns());
            return ExitCodes.CONFIG_ERROR;
        }
        try {
            if (Epoll.isAvailable()) openListeners();
        } catch (IOException e) {
            log.error("{}", e.getMessage());
            shutdownNetty();
            Pidfile.delete(config, upgrade.oldMasterRuns());
            return ExitCodes.CONFIG_ERROR;
        }
        log.info("Using worker: {}", WorkerModel.of(config).settingValue);
        log.info("Worker JVM options: {}", String.join(" ", workerJvmOptions()));
        prepareArchive();
        if ("gevent".equals(config.get(Settings.WORKER_CLASS))) {
            log.info("worker class gevent runs as virtual: Java's virtual threads play the part of greenlets, no monkey-patching");
        }
        for (String s : SIGNALS) Signal.handle(new Signal(s), sig -> events.add(sig.getName()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> workers.values().forEach(c -> c.process.destroyForcibly())));
        if (config.get(Settings.RELOAD)) watcher = ReloadWatcher.forConfig(config);
        try {
            metrics.start(config, listeners, runDir);
        } catch (IOException e) {
            log.error("Cannot listen at admin_bind {}: {}", config.get(Settings.ADMIN_BIND), e.getMessage());
            shutdownNetty();
            Pidfile.delete(config, upgrade.oldMasterRuns());
            return ExitCodes.CONFIG_ERROR;
        }
        hooks.call("when_ready", h -> h.whenReady(arbiter()));
        hooks.call("nworkers_changed", h -> h.nworkersChanged(arbiter(), target, -1));
        openControlSocket();
        int exit = loop();
        if (watcher != null) watcher.close();
        if (controlSocket != null) controlSocket.close();
        metrics.close();
        shutdownNetty();
        hooks.call("on_exit", h -> h.onExit(arbiter()));
        Pidfile.delete(config, upgrade.oldMasterRuns());
        return exit;
    }

    /**
     * One readable loop: act on a signal or a control command, reload on a changed file (--reload), kill stuck
     * workers, reap exited ones, keep the count, and follow a USR2 upgrade.
     */
    private int loop() {
        while (true) {
            List<Object> batch = new ArrayList<>();
            try {
                Object first = events.poll(500, TimeUnit.MILLISECONDS);
                if (first != null) batch.add(first);
            } catch (InterruptedException e) {
                batch.add("INT");
            }
            // everything that arrived together is acted on before workers are started or stopped: a burst of TTIN
            // and TTOU only moves the target, and the workers follow where it ends
            events.drainTo(batch);
            for (Object event : batch) {
                Integer exit = event instanceof ControlSocket.Command c ? commands.run(c) : signal((String) event);
                if (exit != null) return exit;
            }
            if (watcher != null) {
                watcher.poll().ifPresent(change -> {
                    log.info("Reloading: {}", change);
                    reload();
                });
            }
            murderStuckWorkers();
            Integer bootFailure = reap();
            if (bootFailure != null) {
                stop(false, null);
                return bootFailure;
            }
            manageWorkers();
            if (upgrade.follow()) takeOverFromOldMaster();
            metrics.loopTurned(workers.values().stream().filter(c -> !c.retiring && c.process.isAlive() && booted(c))
                    .map(c -> c.number).toList(), target == 0 || workers.values().stream().anyMatch(this::beating));
        }
    }

    /** Acts on one signal; returns the exit code when it ends the master. */
    private Integer signal(String sig) {
        switch (sig) {
            case "TERM" -> {
                stop(true, "Handling signal: term");
                return 0;
            }
            case "INT" -> {
                stop(false, "Handling signal: int");
                return 0;
            }
            case "HUP" -> reload();
            case "TTIN" -> setTarget(target + 1);
            case "TTOU" -> setTarget(Math.max(1, target - 1));
            case "USR1" -> reopenLogs();
            case "USR2" -> upgrade.start(links, listeners.kinds(), () -> hooks.call("pre_exec", h -> h.preExec(arbiter())));
            case "WINCH" -> {
                // terminals send WINCH on resize: only a daemonized master takes it as "stop all workers"
                if (ProcessEnvironment.daemonized()) {
                    log.info("graceful stop of workers");
                    setTarget(0);
                } else {
                    log.debug("SIGWINCH ignored: not daemonized");
                }
            }
            default -> { } // CHLD: reaping does the work
        }
        return null;
    }

    /** A worker whose heartbeat is older than --timeout is killed (its own log already holds the stuck thread's stack). */
    private void murderStuckWorkers() {
        long timeout = TimeUnit.SECONDS.toNanos(config.get(Settings.TIMEOUT));
        long now = System.nanoTime();
        for (WorkerProcess c : workers.values()) {
            if (links == null || c.killedFor != null || !c.process.isAlive()) continue;
            WorkerLinkServer.Report r = links.report(c.number);
            if (r.booted && !c.bootLogged) {
                c.bootLogged = true;
                log.info("Worker (pid:{}) booted in {} ms", c.pid(), TimeUnit.NANOSECONDS.toMillis(r.bootedNanos - c.startedNanos));
            }
            if (r.booted && timeout > 0 && now - r.lastBeat > timeout) {
                log.error("WORKER TIMEOUT (pid:{})", c.pid());
                c.killedFor = "timeout";
                c.process.destroyForcibly();
            } else if (!r.booted && now - c.startedNanos > BOOT_TIMEOUT_NANOS) {
                log.error("Worker (pid:{}) did not boot within {} s", c.pid(), TimeUnit.NANOSECONDS.toSeconds(BOOT_TIMEOUT_NANOS));
                c.killedFor = "boot timeout";
                c.process.destroyForcibly();
            }
        }
    }

    /**
     * Removes exited workers and logs why each one went (see {@link WorkerExit}). Returns the master's exit code
     * when a worker failed before it booted: respawning it would fail the same way.
     */
    private Integer reap() {
        for (var it = workers.values().iterator(); it.hasNext(); ) {
            WorkerProcess c = it.next();
            if (c.process.isAlive()) continue;
            it.remove();
            WorkerLinkServer.Report r = report(c);
            if (links != null) links.forget(c.number);
            int code = c.process.exitValue();
            boolean booted = r == null || r.booted;
            switch (WorkerExit.of(code, booted, c.retiring, c.termSent, c.killedFor, r != null && r.recycling)) {
                case WorkerExit.FailedToBoot f -> {
                    if (keepPreviousWorkers()) {
                        log.error("Worker (pid:{}) failed to boot after a reload (exit code {}): the workers of the previous"
                                + " configuration keep serving; fix the configuration and send HUP again", c.pid(), code);
                        continue;
                    }
                    log.error("Worker (pid:{}) failed to boot (exit code {}); shutting down", c.pid(), code);
                    return f.masterExitCode();
                }
                case WorkerExit.Retired ignored -> childExit(c, code);
                case WorkerExit.Replaced replaced -> {
                    childExit(c, code);
                    log.warn("Worker (pid:{}) exited: {}; starting a new one", c.pid(), replaced.reason());
                    metrics.countRestart(replaced.kind());
                    noteExit(c, replaced.kind());
                }
            }
        }
        return null;
    }

    private void childExit(WorkerProcess c, int code) {
        hooks.call("child_exit", h -> h.childExit(arbiter(), new WorkerInfo(c.number, c.pid(), code)));
    }

    /** Workers that die young in a row are restarted with a growing pause, not in a tight loop. */
    private void noteExit(WorkerProcess c, String kind) {
        boolean young = System.nanoTime() - c.startedNanos < TimeUnit.SECONDS.toNanos(10);
        if (young && !kind.equals("recycle")) {
            fastFailures++;
            long pause = Math.min(MAX_BACKOFF_MILLIS, 500L << Math.min(fastFailures, 10));
            nextSpawnMillis = System.currentTimeMillis() + pause;
            log.warn("{} workers in a row exited within 10 s of starting; next start in {} ms", fastFailures, pause);
        } else {
            fastFailures = 0;
        }
    }

    /**
     * After a HUP whose new workers cannot boot: the old workers, not yet told to leave, stay and the previous
     * configuration comes back. False when there are no such workers (then the boot failure stops the master).
     */
    private boolean keepPreviousWorkers() {
        List<WorkerProcess> previous = workers.values().stream()
                .filter(c -> c.retiring && !c.termSent && c.process.isAlive() && booted(c)).toList();
        if (previous.isEmpty() || previousConfig == null) return false;
        for (WorkerProcess c : workers.values()) {
            if (previous.contains(c)) {
                c.retiring = false;
            } else if (!c.retiring) {
                // the reload's other new workers, also those that failed in the same moment and await reaping
                c.retiring = true;
                c.termSent = true;
                c.killedFor = "reload failed";
                if (c.process.isAlive()) c.process.destroyForcibly();
            }
        }
        config = previousConfig;
        previousConfig = null;
        setTarget(previous.size());
        return true;
    }

    /**
     * Brings the workers to the target: the extra ones leave, old workers leave once their replacements serve, a
     * queued reload starts when the running one completes, and missing workers are started, but never more than
     * {@code 2 * target + 1} worker processes at once: booting, serving and retiring ones alike.
     */
    private void manageWorkers() {
        List<WorkerProcess> active = workers.values().stream().filter(c -> !c.retiring).sorted(leavingFirst()).toList();
        for (WorkerProcess c : active.subList(0, Math.max(0, active.size() - target))) retireNow(c);
        // Old workers waiting for their replacements are at most target + 1 (after a reload to fewer workers, or
        // TTOU during a reload, the extra ones leave now): with fewer than target new ones, waiting + new <= 2 * target,
        // so the bound always leaves room for one more replacement and the reload cannot stall.
        List<WorkerProcess> waiting = workers.values().stream().filter(this::awaitsReplacement).sorted(leavingFirst()).toList();
        for (WorkerProcess c : waiting.subList(0, Math.max(0, waiting.size() - target - 1))) retireNow(c);
        // After a reload, old workers leave only once enough new ones serve: no gap without a worker.
        long bootedNew = workers.values().stream().filter(c -> !c.retiring && booted(c)).count();
        if (bootedNew >= target) {
            for (WorkerProcess c : workers.values()) {
                if (awaitsReplacement(c)) retireNow(c);
            }
            if (reloading) {
                reloading = false;
                if (reloadQueued) {
                    reloadQueued = false;
                    reload();
                }
            }
        }
        long missing = target - workers.values().stream().filter(c -> !c.retiring).count();
        long room = 2L * target + 1 - workers.size();
        if (missing > 0 && System.currentTimeMillis() >= nextSpawnMillis) {
            for (long i = 0; i < Math.min(missing, room); i++) spawn();
        }
    }

    /** An old worker of a reload: still serving until its replacements have booted. */
    private boolean awaitsReplacement(WorkerProcess c) {
        return c.retiring && !c.termSent && c.killedFor == null && c.process.isAlive();
    }

    /**
     * The order in which workers leave when there are too many: those still booting first, newest first (they
     * serve nobody yet), then the serving ones, oldest first (as Gunicorn's TTOU).
     */
    private Comparator<WorkerProcess> leavingFirst() {
        return Comparator.comparing(this::booted).thenComparingInt(c -> booted(c) ? c.number : -c.number);
    }

    private void spawn() {
        int n = nextNumber++;
        hooks.call("pre_fork", h -> h.preFork(arbiter(), new WorkerInfo(n, 0, -1)));
        List<String> options = new ArrayList<>(workerJvmOptions());
        archive.getNow(Optional.empty()).ifPresent(a -> options.addAll(ClassDataArchive.useOptions(a)));
        List<String> cmd = JvmCommand.jgunicorn(options, args);
        ProcessBuilder pb = new ProcessBuilder(identity.wrap(ProcessTitle.named(ProcessTitle.worker(config), cmd)))
                .inheritIO().directory(config.baseDir().toFile());
        Map<String, String> env = pb.environment();
        env.put(ProcessEnvironment.WORKER, Integer.toString(n));
        env.put(ProcessEnvironment.SETTINGS, config.encode());
        ProcessEnvironment.SYSTEMD_SOCKETS.forEach(env::remove); // the master's, not theirs
        if (links != null) {
            env.put(ProcessEnvironment.WORKER_LINK, links.path().toString());
            env.put(ProcessEnvironment.LISTENERS, listeners.kinds());
            links.report(n);
            if (metrics.scrapesWorkers()) env.put(ProcessEnvironment.METRICS_SOCKET, metrics.scrapeSocket(n).toString());
        }
        if (links == null || config.get(Settings.REUSE_PORT)) {
            env.put(ProcessEnvironment.REUSE_PORT, "1"); // each worker binds its own socket with SO_REUSEPORT
        }
        for (String kv : config.get(Settings.RAW_ENV)) {
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        try {
            workers.put(n, new WorkerProcess(n, pb.start()));
        } catch (IOException e) {
            log.error("cannot start a worker: {}", e.getMessage());
        }
    }

    /**
     * The worker JVM's own options: it exits on OutOfMemoryError (for the master to replace it), its share of the
     * memory as its heap unless --jvm-arg sizes one ({@link HeapSize#defaults}), the options that shorten its start
     * ({@link StartupOptions}), then --jvm-arg.
     */
    private List<String> workerJvmOptions() {
        List<String> options = new ArrayList<>();
        options.add("-XX:+ExitOnOutOfMemoryError");
        options.addAll(HeapSize.defaults(config.get(Settings.JVM_ARGS), memoryBytes, target));
        options.addAll(HeapSize.nativeTrim(config.get(Settings.JVM_ARGS), Runtime.version().feature())); // workers run this JDK
        options.addAll(StartupOptions.of(config.get(Settings.JVM_ARGS)));
        options.addAll(config.get(Settings.JVM_ARGS));
        return options;
    }

    /**
     * The class-data archive workers start from: the cached one, else, with --preload, one made by a training run
     * that the first workers wait for (the app is loaded before any worker starts, as in Gunicorn). Without
     * --preload no training run starts: a second JVM beside the workers would surprise whoever counts processes or
     * sized a pod's memory for them, so workers use an archive only when an earlier --preload run of the same app
     * and options made one, or else on the AOT cache baked into the runtime image. --reload, which restarts workers
     * on every change of the app, goes without.
     */
    private void prepareArchive() {
        if (config.get(Settings.RELOAD)) return;
        Optional<Path> cached = ClassDataArchive.cached(config, workerJvmOptions());
        if (cached.isPresent()) {
            archive = CompletableFuture.completedFuture(cached);
        } else if (config.get(Settings.PRELOAD_APP)) {
            archive = ClassDataArchive.train(config, args, workerJvmOptions());
            archive.join();
        } else {
            archive = CompletableFuture.completedFuture(ClassDataArchive.baked(workerJvmOptions()));
        }
    }

    /**
     * HUP: read the configuration again and start fresh workers with it; the old ones get TERM once the new ones
     * serve. A configuration that does not load is reported and changes nothing. During a reload, HUPs only queue
     * one more reload, which reads the configuration when the running one completes (so the newest one wins);
     * returns false then.
     */
    boolean reload() {
        if (reloading) {
            if (!reloadQueued) log.info("Hang up: Master: reload already in progress; one more queued");
            reloadQueued = true;
            return false;
        }
        log.info("Hang up: Master");
        try {
            Config fresh = new ConfigLoader(System.getenv(), Path.of("").toAbsolutePath(),
                    Runtime.getRuntime().availableProcessors()).load(args).config();
            Worker.checkSettings(fresh);
            previousConfig = config;
            config = fresh;
        } catch (IOException | SettingException | IllegalArgumentException | ConfigLoader.UsageException e) {
            log.error("Reload failed, the running configuration and workers stay: {}", e.getMessage());
            return true;
        }
        hooks.call("on_reload", h -> h.onReload(arbiter()));
        setTarget(WorkerCount.of(config));
        for (WorkerProcess c : workers.values()) {
            if (!c.retiring) metrics.countRestart("reload");
            c.retiring = true;
        }
        reloading = true;
        return true;
    }

    void setTarget(int n) {
        int old = target;
        target = n;
        if (old != n) hooks.call("nworkers_changed", h -> h.nworkersChanged(arbiter(), n, old));
    }

    void reopenLogs() {
        Logging.reopen();
        workers.values().forEach(c -> signal(c.process, "USR1"));
    }

    /** Tells one worker to leave now (TTOU, ctl worker kill, an old worker whose replacement serves). */
    void retireNow(WorkerProcess c) {
        c.retiring = true;
        c.termSent = true;
        retire(c);
    }

    /**
     * A retiring worker stops accepting at once (the listener stays open for the others) and finishes its requests.
     * One still booting gets TERM instead: it reads the worker link as descriptors until it has the listeners, and a
     * retire line arriving then would be swallowed (it would boot and serve on, unseen).
     */
    private void retire(WorkerProcess c) {
        if (links == null || !booted(c) || !links.retire(c.number)) signal(c.process, "TERM");
    }

    /**
     * Stops every worker (TERM, or INT when not graceful), waits up to graceful_timeout for them, and ends the
     * master's work; {@code cause} is logged first when the stop's reason is not logged already.
     */
    void stop(boolean graceful, String cause) {
        metrics.stopping();
        if (cause != null) log.info(cause);
        workers.values().forEach(c -> signal(c.process, graceful ? "TERM" : "INT"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.get(Settings.GRACEFUL_TIMEOUT) + 1L);
        for (WorkerProcess c : workers.values()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!c.process.waitFor(left, TimeUnit.NANOSECONDS)) c.process.destroyForcibly();
                childExit(c, c.process.waitFor());
            } catch (InterruptedException e) {
                c.process.destroyForcibly();
            }
        }
        workers.clear();
        log.info("Shutting down: Master");
    }

    Config config() {
        return config;
    }

    int target() {
        return target;
    }

    Collection<WorkerProcess> workers() {
        return workers.values();
    }

    Listeners listeners() {
        return listeners;
    }

    Map<String, Long> restarts() {
        return metrics.restarts();
    }

    /** What worker {@code c} last reported over the worker link; null without one (no epoll). */
    WorkerLinkServer.Report report(WorkerProcess c) {
        return links == null ? null : links.report(c.number);
    }

    /** A worker that booted and beat within --timeout (any booted one when the timeout is off). */
    private boolean beating(WorkerProcess c) {
        if (!c.process.isAlive() || !booted(c)) return false;
        long timeout = TimeUnit.SECONDS.toNanos(config.get(Settings.TIMEOUT));
        return links == null || timeout == 0 || System.nanoTime() - links.report(c.number).lastBeat <= timeout;
    }

    private boolean booted(WorkerProcess c) {
        return links == null || links.report(c.number).booted;
    }

    private Arbiter arbiter() {
        return new Arbiter(ProcessHandle.current().pid(), target, config);
    }

    /** The master's event loop (for the listeners and the worker link), the listeners, and the worker link. */
    private void openListeners() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("jgunicorn-master", true), EpollIoHandler.newFactory());
        listeners = Listeners.open(group, config, identity);
        runDir = Files.createTempDirectory("jgunicorn-" + ProcessHandle.current().pid() + "-");
        try {
            links = new WorkerLinkServer(group, runDir.resolve("workers.sock"), listeners.descriptors());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the worker link socket");
        }
        identity.grantAccess(runDir);
        identity.grantAccess(links.path());
    }

    /** The control socket for jgunicorn ctl; a new master of a USR2 upgrade takes it once the old master is gone. */
    private void openControlSocket() {
        if (config.get(Settings.CONTROL_SOCKET_DISABLE) || controlSocket != null) return;
        Path path = config.baseDir().resolve(config.get(Settings.CONTROL_SOCKET));
        if (upgrade.oldMasterRuns() && ControlSocket.answers(path)) return; // still the old master's
        try {
            controlSocket = ControlSocket.open(path, config.get(Settings.CONTROL_SOCKET_MODE), events::add);
        } catch (IOException e) {
            log.warn("No control socket: cannot listen at {}: {}", path, e.getMessage());
        }
    }

    /** The new master of an upgrade, once the old one is gone: the plain pidfile and the control socket are its own. */
    private void takeOverFromOldMaster() {
        Pidfile.delete(config, true);
        Pidfile.write(config, false);
        openControlSocket();
    }

    private void shutdownNetty() {
        listeners.close(upgrade.handedOver());
        if (links != null) links.close();
        if (runDir != null) runDir.toFile().delete();
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static void signal(Process p, String name) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            p.destroy();
        }
    }
}
