package dev.jgunicorn.cli;

import dev.jgunicorn.server.BindAddress;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.ValueType;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.File;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The master, as Gunicorn's arbiter: it opens every listener, starts worker JVMs that serve those same sockets
 * (passed over a Unix control socket), and keeps their number. Its whole life is one loop over queued signals,
 * worker reports (boot, heartbeat, recycle) and exited workers. It never serves requests itself.
 */
final class Master {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final long BOOT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    /** One worker process as the master sees it. */
    private static final class Child {
        final int number;
        final Process process;
        final long startedNanos = System.nanoTime();
        boolean bootLogged;
        boolean retiring;     // replaced by a reload or TTOU: TERM sent or due
        boolean termSent;
        String killedFor;     // set when the master itself killed it

        Child(int number, Process process) {
            this.number = number;
            this.process = process;
        }
    }

    private final Config config;
    private final List<String> args;
    private final LinkedBlockingQueue<String> signals = new LinkedBlockingQueue<>();
    private final Map<Integer, Child> workers = new LinkedHashMap<>();
    private final List<Channel> listeners = new ArrayList<>();
    private EventLoopGroup group;
    private ControlServer control;
    private Path runDir;
    private int target;
    private int nextNumber = 1;
    private String listenerKinds = "";
    private Path archive;
    private ReloadWatcher watcher;
    private final WorkerIdentity identity;
    private int fastFailures;
    private long nextSpawnMillis;

    Master(Config config, List<String> args) {
        this.config = config;
        this.args = args;
        this.target = workerCount(config);
        this.identity = WorkerIdentity.of(config);
    }

    /** --workers, or for auto the count the cgroup limits allow (see {@link CgroupLimits#autoWorkers}). */
    static int workerCount(Config config) {
        int w = config.get(Settings.WORKERS);
        if (w != ValueType.IntOrAuto.AUTO) return w;
        CgroupLimits limits = CgroupLimits.read();
        int n = CgroupLimits.autoWorkers(limits, Runtime.getRuntime().availableProcessors(), perWorkerBytes(config));
        log.info("workers auto: {} ({}, {} CPUs visible)", n, limits.describe(), Runtime.getRuntime().availableProcessors());
        return n;
    }

    /** A worker's expected footprint: its -Xmx (from --jvm-arg) plus 64 MiB of JVM overhead, or 256 MiB. */
    private static long perWorkerBytes(Config config) {
        long heap = 192L << 20;
        for (String a : config.get(Settings.JVM_ARGS)) {
            if (a.startsWith("-Xmx")) {
                String v = a.substring(4).toLowerCase(java.util.Locale.ROOT);
                long unit = v.endsWith("g") ? 1L << 30 : v.endsWith("m") ? 1L << 20 : v.endsWith("k") ? 1L << 10 : 1;
                try {
                    heap = Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
                } catch (NumberFormatException ignored) {
                    // the JVM itself will reject a bad -Xmx at start
                }
            }
        }
        return heap + (64L << 20);
    }

    int run() {
        log.info("Starting jgunicorn {}", Version.get());
        String pidfile = config.get(Settings.PIDFILE);
        if (pidfile != null) writePid(pidfile);
        try {
            if (Epoll.isAvailable()) openListeners();
        } catch (IOException e) {
            log.error("{}", e.getMessage());
            shutdownNetty();
            return Main.EXIT_CONFIG;
        }
        log.info("Using worker: {}", Worker.model(config).settingValue);
        if (config.get(Settings.PRELOAD_APP)) archive = ClassDataArchive.prepare(config, args, workerJvm()).orElse(null);
        if ("gevent".equals(config.get(Settings.WORKER_CLASS))) {
            log.info("worker class gevent runs as virtual: Java's virtual threads play the part of greenlets, no monkey-patching");
        }
        for (String s : List.of("TERM", "INT", "HUP", "TTIN", "TTOU", "USR1", "WINCH", "CHLD")) {
            Signal.handle(new Signal(s), sig -> signals.add(sig.getName()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> workers.values().forEach(c -> c.process.destroyForcibly())));
        if (config.get(Settings.RELOAD)) watcher = reloadWatcher();
        int exit = loop();
        if (watcher != null) watcher.close();
        shutdownNetty();
        if (pidfile != null) config.baseDir().resolve(pidfile).toFile().delete();
        return exit;
    }

    /** The master binds every address once; workers get the descriptors, so no restart ever closes a listener. */
    private void openListeners() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("jgunicorn-master", true), EpollIoHandler.newFactory());
        boolean tls = config.get(Settings.CERTFILE) != null;
        List<FileDescriptor> fds = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        // As in Gunicorn: with systemd's sockets the bind list is ignored, except for fd:// entries.
        List<InheritedSockets.Inherited> systemd = InheritedSockets.fromSystemd(System.getenv());
        for (InheritedSockets.Inherited s : systemd) listeners.add(adopt(s));
        for (String b : config.get(Settings.BIND)) {
            if (b.startsWith("fd://")) listeners.add(adopt(InheritedSockets.fromBind(b)));
            else if (config.get(Settings.REUSE_PORT)) log.info("Listening at: {} in each worker (--reuse-port)", b);
            else if (systemd.isEmpty()) listeners.add(bindWithRetries(BindAddress.parse(b)));
        }
        for (Channel ch : listeners) {
            fds.add(((UnixChannel) ch).fd());
            kinds.add(ch instanceof EpollServerDomainSocketChannel ? "unix" : "tcp");
            log.info("Listening at: {} ({})", Worker.url(ch.localAddress(), tls), ProcessHandle.current().pid());
        }
        listenerKinds = String.join(",", kinds);
        runDir = Files.createTempDirectory("jgunicorn-" + ProcessHandle.current().pid() + "-");
        try {
            control = new ControlServer(group, runDir.resolve("control.sock"), fds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the control socket");
        }
        identity.grantAccess(runDir);
        identity.grantAccess(control.path());
    }

    /** Serves an inherited listening descriptor (never accepting on it here, like the master's own listeners). */
    private Channel adopt(InheritedSockets.Inherited s) throws IOException {
        Channel ch = s.unix() ? new EpollServerDomainSocketChannel(s.fd(), true) : new EpollServerSocketChannel(s.fd());
        ch.config().setAutoRead(false);
        try {
            group.register(ch).sync();
        } catch (Exception e) {
            throw new IOException("cannot use inherited descriptor " + s.fd() + ": " + e.getMessage(), e);
        }
        return ch;
    }

    /** As Gunicorn: a bind that fails is retried 5 times, a second apart, before the master gives up. */
    private Channel bindWithRetries(SocketAddress address) throws IOException {
        boolean unix = address instanceof DomainSocketAddress;
        if (unix) {
            File f = new File(((DomainSocketAddress) address).path());
            if (f.exists()) f.delete(); // a stale socket file from an earlier run
        }
        ServerBootstrap b = new ServerBootstrap().group(group)
                .channel(unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, config.get(Settings.BACKLOG))
                .option(ChannelOption.AUTO_READ, false) // the master never accepts: workers do
                .childHandler(new ChannelInboundHandlerAdapter());
        if (!unix) b.option(ChannelOption.SO_REUSEADDR, true);
        IOException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                Channel ch = b.bind(address).sync().channel();
                if (unix) identity.applyToSocketFile(Path.of(((DomainSocketAddress) address).path()));
                return ch;
            } catch (Exception e) {
                last = new IOException("Connection in use: " + address + " (" + e.getMessage() + ")", e);
                log.error("{}; retrying in 1 second.", last.getMessage());
                sleep(1000);
            }
        }
        throw new IOException("Can't connect to " + address + ": " + last.getMessage());
    }

    /** One readable loop: act on a signal, check boots and heartbeats, reap exited workers, keep the count. */
    private int loop() {
        while (true) {
            String sig;
            try {
                sig = signals.poll(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                sig = "INT";
            }
            if (sig != null) {
                switch (sig) {
                    case "TERM" -> {
                        stop(true);
                        return 0;
                    }
                    case "INT" -> {
                        stop(false);
                        return 0;
                    }
                    case "HUP" -> reload();
                    case "TTIN" -> target++;
                    case "TTOU" -> target = Math.max(1, target - 1);
                    case "WINCH" -> {
                        // terminals send WINCH on resize: only a daemonized master takes it as "stop all workers"
                        if (Main.daemonized()) {
                            log.info("graceful stop of workers");
                            target = 0;
                        } else {
                            log.debug("SIGWINCH ignored: not daemonized");
                        }
                    }
                    case "USR1" -> {
                        Logging.reopen();
                        workers.values().forEach(c -> signal(c.process, "USR1"));
                    }
                    default -> { } // CHLD: reaping below does the work
                }
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
                stop(false);
                return bootFailure;
            }
            manageWorkers();
        }
    }

    /** A worker whose heartbeat is older than --timeout is killed (its own log already holds the stuck thread's stack). */
    private void murderStuckWorkers() {
        long timeout = TimeUnit.SECONDS.toNanos(config.get(Settings.TIMEOUT));
        long now = System.nanoTime();
        for (Child c : workers.values()) {
            if (control == null || c.killedFor != null || !c.process.isAlive()) continue;
            ControlServer.Report r = control.report(c.number);
            if (r.booted && !c.bootLogged) {
                c.bootLogged = true;
                log.info("Worker (pid:{}) booted in {} ms", c.process.pid(), TimeUnit.NANOSECONDS.toMillis(r.bootedNanos - c.startedNanos));
            }
            if (r.booted && timeout > 0 && now - r.lastBeat > timeout) {
                log.error("WORKER TIMEOUT (pid:{})", c.process.pid());
                c.killedFor = "timeout";
                c.process.destroyForcibly();
            } else if (!r.booted && now - c.startedNanos > BOOT_TIMEOUT_NANOS) {
                log.error("Worker (pid:{}) did not boot within {} s", c.process.pid(), TimeUnit.NANOSECONDS.toSeconds(BOOT_TIMEOUT_NANOS));
                c.killedFor = "boot timeout";
                c.process.destroyForcibly();
            }
        }
    }

    /**
     * Removes exited workers and logs why each one went. Returns an exit code when a worker failed before it
     * booted (4: the app cannot be loaded, 3: any other boot failure): respawning it would fail the same way.
     */
    private Integer reap() {
        for (var it = workers.values().iterator(); it.hasNext(); ) {
            Child c = it.next();
            if (c.process.isAlive()) continue;
            it.remove();
            ControlServer.Report r = control == null ? null : control.report(c.number);
            if (control != null) control.forget(c.number);
            int code = c.process.exitValue();
            boolean booted = r == null || r.booted;
            if (!booted && c.killedFor == null) {
                log.error("Worker (pid:{}) failed to boot (exit code {}); shutting down", c.process.pid(), code);
                return code == Main.EXIT_APP_LOAD ? Main.EXIT_APP_LOAD : Main.EXIT_WORKER_BOOT;
            }
            if (c.retiring && code == 0) continue;
            String reason = c.killedFor != null ? c.killedFor
                    : r != null && r.recycling ? "recycle (max-requests)"
                    : code == 137 ? "killed by SIGKILL (perhaps out of memory)"
                    : code == Main.EXIT_OOM ? "out of memory"
                    : "crash (exit code " + code + ")";
            log.warn("Worker (pid:{}) exited: {}; starting a new one", c.process.pid(), reason);
            noteExit(c, reason);
        }
        return null;
    }

    /** Workers that die young in a row are restarted with a growing pause, not in a tight loop. */
    private void noteExit(Child c, String reason) {
        boolean young = System.nanoTime() - c.startedNanos < TimeUnit.SECONDS.toNanos(10);
        if (young && !reason.startsWith("recycle")) {
            fastFailures++;
            long pause = Math.min(MAX_BACKOFF_MILLIS, 500L << Math.min(fastFailures, 10));
            nextSpawnMillis = System.currentTimeMillis() + pause;
            log.warn("{} workers in a row exited within 10 s of starting; next start in {} ms", fastFailures, pause);
        } else {
            fastFailures = 0;
        }
    }

    private void manageWorkers() {
        long active = workers.values().stream().filter(c -> !c.retiring).count();
        if (active < target && System.currentTimeMillis() >= nextSpawnMillis) {
            for (long i = active; i < target; i++) spawn();
        }
        while (active > target) {
            Child oldest = workers.values().stream().filter(c -> !c.retiring).findFirst().orElseThrow();
            oldest.retiring = true;
            oldest.termSent = true;
            retire(oldest);
            active--;
        }
        // After a reload, old workers leave only once enough new ones serve: no gap without a worker.
        long bootedNew = workers.values().stream().filter(c -> !c.retiring && booted(c)).count();
        if (bootedNew >= target) {
            for (Child c : workers.values()) {
                if (c.retiring && c.killedFor == null && c.process.isAlive() && !c.termSent) {
                    c.termSent = true;
                    retire(c);
                }
            }
        }
    }

    /** A retiring worker stops accepting at once (the listener stays open for the others) and finishes its requests. */
    private void retire(Child c) {
        if (control == null || !control.retire(c.number)) signal(c.process, "TERM");
    }

    private boolean booted(Child c) {
        return control == null || control.report(c.number).booted;
    }

    /** The worker JVM's command up to the main class: java, its options (and the class-data archive), the class path. */
    private List<String> workerJvm() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED"); // Netty's epoll transport loads its native library
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.addAll(config.get(Settings.JVM_ARGS));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }

    private void spawn() {
        int n = nextNumber++;
        List<String> cmd = workerJvm();
        if (archive != null) {
            cmd.add(1, "-XX:SharedArchiveFile=" + archive);
            // the JDK's base archive was dumped without --enable-native-access and says so on every start; the
            // worker's boot time in the master's log shows whether the archive helped
            cmd.add(2, "-Xlog:cds*=off");
            cmd.add(3, "-Xlog:aot*=off");
        }
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(identity.wrap(cmd)).inheritIO().directory(config.baseDir().toFile());
        pb.environment().put(Main.WORKER_ENV, Integer.toString(n));
        for (String v : List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")) pb.environment().remove(v); // the master's, not theirs
        if (control != null) {
            pb.environment().put(ControlServer.ENV_SOCKET, control.path().toString());
            pb.environment().put(ControlServer.ENV_LISTENERS, listenerKinds);
            control.report(n);
        }
        if (control == null || config.get(Settings.REUSE_PORT)) {
            pb.environment().put("JGUNICORN_REUSE_PORT", "1"); // each worker binds its own socket with SO_REUSEPORT
        }
        for (String kv : config.get(Settings.RAW_ENV)) {
            int eq = kv.indexOf('=');
            pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        try {
            workers.put(n, new Child(n, pb.start()));
        } catch (IOException e) {
            log.error("cannot start a worker: {}", e.getMessage());
        }
    }

    /** --reload watches the app's class path, the config file and the extra files. */
    private ReloadWatcher reloadWatcher() {
        List<Path> watched = new ArrayList<>();
        for (String c : config.get(Settings.CLASSPATH)) watched.add(config.baseDir().resolve(c));
        String configFile = config.get(Settings.CONFIG);
        if (configFile != null && Files.isRegularFile(config.baseDir().resolve(configFile))) {
            watched.add(config.baseDir().resolve(configFile));
        }
        return new ReloadWatcher(watched, config.get(Settings.RELOAD_EXTRA_FILES), config.baseDir(),
                config.get(Settings.RELOAD_ENGINE), java.time.Duration.ofSeconds(1));
    }

    /** HUP: start fresh workers (they read the configuration anew); the old ones get TERM once the new ones serve. */
    private void reload() {
        log.info("Hang up: Master");
        target = workerCount(config);
        for (Child c : workers.values()) c.retiring = true;
    }

    private void stop(boolean graceful) {
        log.info("Handling signal: {}", graceful ? "term" : "int");
        workers.values().forEach(c -> signal(c.process, graceful ? "TERM" : "INT"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.get(Settings.GRACEFUL_TIMEOUT) + 1L);
        for (Child c : workers.values()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!c.process.waitFor(left, TimeUnit.NANOSECONDS)) c.process.destroyForcibly();
            } catch (InterruptedException e) {
                c.process.destroyForcibly();
            }
        }
        workers.clear();
        log.info("Shutting down: Master");
    }

    private void shutdownNetty() {
        for (Channel l : listeners) l.close().syncUninterruptibly();
        if (control != null) control.close();
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

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writePid(String pidfile) {
        try {
            Path p = config.baseDir().resolve(pidfile);
            Files.writeString(p, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            log.error("cannot write pidfile {}: {}", pidfile, e.getMessage());
        }
    }
}
