package dev.jgunicorn.cli;

import dev.jgunicorn.hooks.Arbiter;
import dev.jgunicorn.hooks.Hooks;
import dev.jgunicorn.hooks.WorkerInfo;
import dev.jgunicorn.metrics.AdminServer;
import dev.jgunicorn.metrics.Exposition;
import dev.jgunicorn.metrics.ListenQueue;
import dev.jgunicorn.metrics.ProcessMetrics;
import dev.jgunicorn.metrics.ScrapeSocket;
import dev.jgunicorn.server.BindAddress;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.ConfigLoader;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.ValueType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The master, as Gunicorn's arbiter: it opens every listener, starts worker JVMs that serve those same sockets
 * (passed over a Unix socket, the worker link), and keeps their number. Its whole life is one loop over queued
 * signals and control-socket commands, worker reports (boot, heartbeat, recycle) and exited workers. It never
 * serves requests itself.
 */
final class Master {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final long BOOT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
    private static final long MAX_BACKOFF_MILLIS = 30_000;
    /** Set by USR2 in the new master's environment: the old master's worker link, which hands over the listeners. */
    static final String ENV_UPGRADE_FROM = "JGUNICORN_UPGRADE_FROM";
    /** As Gunicorn: the old master's pid, in the new master's environment during a USR2 upgrade. */
    static final String ENV_OLD_MASTER = "GUNICORN_PID";

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

    private Config config;          // re-read on HUP
    private Config previousConfig;  // the one before the last HUP, kept until the new workers booted
    private final List<String> args;
    /** Signal names and control-socket commands, in arrival order: the loop's only input besides child state. */
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Map<Integer, Child> workers = new LinkedHashMap<>();
    private final List<Channel> listeners = new ArrayList<>();
    private EventLoopGroup group;
    private WorkerLinkServer links;
    private Path runDir;
    private int target;
    private int nextNumber = 1;
    private String listenerKinds = "";
    private Path archive;
    private ReloadWatcher watcher;
    private final WorkerIdentity identity;
    private int fastFailures;
    private long nextSpawnMillis;
    private final Hooks hooks;
    private final long startedMillis = System.currentTimeMillis();
    private final Map<String, Long> restarts = new TreeMap<>();
    private ControlSocket controlSocket;
    private Process upgradeChild;   // the new master of a USR2 upgrade, while it runs
    private ProcessHandle oldMaster; // in a new master: the master that started it, until that one exits
    private ProcessMetrics metrics;
    private AdminServer admin;
    // What the admin listener's threads read; written by the loop only.
    private volatile long lastLoopNanos = System.nanoTime();
    private volatile List<Integer> servingWorkers = List.of();
    private volatile boolean stopping;

    Master(Config config, List<String> args, Hooks hooks) {
        this.config = config;
        this.args = args;
        this.target = workerCount(config);
        this.identity = WorkerIdentity.of(config);
        this.hooks = hooks;
        String old = System.getenv(ENV_UPGRADE_FROM) != null ? System.getenv(ENV_OLD_MASTER) : null;
        this.oldMaster = old == null ? null : ProcessHandle.of(Long.parseLong(old)).filter(ProcessHandle::isAlive).orElse(null);
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
        ProcessTitle.setShortName(config);
        writePid();
        try {
            hooks.callOrFail(h -> h.onStarting(arbiter()));
        } catch (RuntimeException e) {
            log.error("on_starting hook failed; not starting", e);
            deletePid();
            return Main.EXIT_CONFIG;
        }
        try {
            if (Epoll.isAvailable()) openListeners();
        } catch (IOException e) {
            log.error("{}", e.getMessage());
            shutdownNetty();
            deletePid();
            return Main.EXIT_CONFIG;
        }
        log.info("Using worker: {}", Worker.model(config).settingValue);
        if (config.get(Settings.PRELOAD_APP)) archive = ClassDataArchive.prepare(config, args, workerJvm()).orElse(null);
        if ("gevent".equals(config.get(Settings.WORKER_CLASS))) {
            log.info("worker class gevent runs as virtual: Java's virtual threads play the part of greenlets, no monkey-patching");
        }
        for (String s : List.of("TERM", "INT", "HUP", "TTIN", "TTOU", "USR1", "USR2", "WINCH", "CHLD")) {
            Signal.handle(new Signal(s), sig -> events.add(sig.getName()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> workers.values().forEach(c -> c.process.destroyForcibly())));
        if (config.get(Settings.RELOAD)) watcher = reloadWatcher();
        try {
            startMetrics();
        } catch (IOException e) {
            log.error("Cannot listen at admin_bind {}: {}", config.get(Settings.ADMIN_BIND), e.getMessage());
            shutdownNetty();
            deletePid();
            return Main.EXIT_CONFIG;
        }
        hooks.call("when_ready", h -> h.whenReady(arbiter()));
        hooks.call("nworkers_changed", h -> h.nworkersChanged(arbiter(), target, -1));
        openControlSocket();
        int exit = loop();
        if (watcher != null) watcher.close();
        if (controlSocket != null) controlSocket.close();
        if (admin != null) admin.close();
        if (metrics != null) metrics.close();
        shutdownNetty();
        hooks.call("on_exit", h -> h.onExit(arbiter()));
        deletePid();
        return exit;
    }

    /**
     * The master's meters (worker count, restarts by reason) and, with admin_bind, the admin listener whose
     * /metrics merges the master's exposition with every worker's, each labelled by worker number.
     */
    private void startMetrics() throws IOException {
        String adminBind = config.get(Settings.ADMIN_BIND);
        if (adminBind == null && config.get(Settings.STATSD_HOST) == null) return;
        metrics = new ProcessMetrics(config);
        Gauge.builder("gunicorn.workers", this, m -> m.servingWorkers.size())
                .description("Workers that booted and serve (the master's count)").register(metrics.registry());
        for (String kind : List.of("timeout", "crash", "oom", "killed", "recycle", "reload")) countRestart(kind, 0);
        if (config.get(Settings.ENABLE_BACKLOG_METRIC)) {
            boolean tls = config.get(Settings.CERTFILE) != null;
            for (Channel l : listeners) {
                if (!(l.localAddress() instanceof java.net.InetSocketAddress a)) continue; // the kernel shows no queue for Unix sockets
                Gauge.builder("gunicorn.backlog", () -> Math.max(0, ListenQueue.length(a))).tag("listener", Worker.url(a, tls))
                        .description("Connections waiting in the listen queue for a worker to accept them")
                        .register(metrics.registry());
            }
            if (listeners.isEmpty()) log.warn("enable_backlog_metric: no shared listener to measure (reuse_port)");
        }
        if (adminBind != null) {
            admin = AdminServer.start(adminBind, this::exposition, this::liveness, this::readiness);
            log.info("Admin listener at: http://{}:{} (/metrics, /healthz, /readyz)",
                    admin.address().getAddress().getHostAddress(), admin.address().getPort());
        }
    }

    private void countRestart(String kind, long n) {
        restarts.merge(kind, n, Long::sum);
        if (metrics != null) {
            Counter.builder("gunicorn.worker.restarts").tag("reason", kind).description("Workers replaced, by reason")
                    .register(metrics.registry()).increment(n);
        }
    }

    /** The master's exposition and every serving worker's (fetched in parallel, 2 s at most), labelled by worker. */
    private String exposition() {
        Exposition all = new Exposition().add(metrics.scrape(), null);
        List<Integer> numbers = servingWorkers;
        List<CompletableFuture<String>> scrapes = new ArrayList<>();
        for (int n : numbers) {
            Path sock = runDir.resolve("metrics-" + n + ".sock");
            scrapes.add(CompletableFuture.supplyAsync(() -> ScrapeSocket.fetch(sock), r -> Thread.ofVirtual().start(r))
                    .completeOnTimeout(null, 2, TimeUnit.SECONDS));
        }
        for (int i = 0; i < numbers.size(); i++) {
            String text = scrapes.get(i).join();
            if (text != null) all.add(text, Integer.toString(numbers.get(i)));
        }
        return all.toString();
    }

    /** /healthz of the master: its loop turns (it kills and replaces stuck workers itself). */
    private AdminServer.Check liveness() {
        long idle = System.nanoTime() - lastLoopNanos;
        return idle < TimeUnit.SECONDS.toNanos(10) ? AdminServer.Check.OK
                : AdminServer.Check.failing("the master's loop has not run for " + TimeUnit.NANOSECONDS.toSeconds(idle) + " s");
    }

    /** /readyz of the master: at least one worker serves, and no stop has begun. */
    private AdminServer.Check readiness() {
        if (stopping) return AdminServer.Check.failing("stopping: finishing requests in flight");
        if (servingWorkers.isEmpty()) return AdminServer.Check.failing("no worker serves yet");
        return AdminServer.Check.OK;
    }

    private Arbiter arbiter() {
        return new Arbiter(ProcessHandle.current().pid(), target, config);
    }

    /** The control socket for jgunicorn ctl; a new master of a USR2 upgrade takes it once the old master is gone. */
    private void openControlSocket() {
        if (config.get(Settings.CONTROL_SOCKET_DISABLE) || controlSocket != null) return;
        Path path = config.baseDir().resolve(config.get(Settings.CONTROL_SOCKET));
        if (oldMaster != null && ControlSocket.answers(path)) return; // still the old master's
        try {
            controlSocket = ControlSocket.open(path, config.get(Settings.CONTROL_SOCKET_MODE), events::add);
        } catch (IOException e) {
            log.warn("No control socket: cannot listen at {}: {}", path, e.getMessage());
        }
    }

    /** The master binds every address once; workers get the descriptors, so no restart ever closes a listener. */
    private void openListeners() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("jgunicorn-master", true), EpollIoHandler.newFactory());
        boolean tls = config.get(Settings.CERTFILE) != null;
        List<FileDescriptor> fds = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        String upgradeFrom = System.getenv(ENV_UPGRADE_FROM);
        if (upgradeFrom != null) {
            // USR2: serve exactly the old master's sockets (a changed bind list takes a full restart, as in Gunicorn)
            String listed = System.getenv().getOrDefault(WorkerLinkServer.ENV_LISTENERS, "");
            List<String> oldKinds = listed.isEmpty() ? List.of() : List.of(listed.split(","));
            List<FileDescriptor> inherited = MasterLink.upgradeListeners(Path.of(upgradeFrom), oldKinds.size());
            for (int i = 0; i < inherited.size(); i++) {
                listeners.add(adopt(new InheritedSockets.Inherited(inherited.get(i).intValue(), oldKinds.get(i).equals("unix"))));
            }
        } else {
            // As in Gunicorn: with systemd's sockets the bind list is ignored, except for fd:// entries.
            List<InheritedSockets.Inherited> systemd = InheritedSockets.fromSystemd(System.getenv());
            for (InheritedSockets.Inherited s : systemd) listeners.add(adopt(s));
            for (String b : config.get(Settings.BIND)) {
                if (b.startsWith("fd://")) listeners.add(adopt(InheritedSockets.fromBind(b)));
                else if (config.get(Settings.REUSE_PORT)) log.info("Listening at: {} in each worker (--reuse-port)", b);
                else if (systemd.isEmpty()) listeners.add(bindWithRetries(BindAddress.parse(b)));
            }
        }
        for (Channel ch : listeners) {
            fds.add(((UnixChannel) ch).fd());
            kinds.add(ch instanceof EpollServerDomainSocketChannel ? "unix" : "tcp");
            log.info("Listening at: {} ({})", Worker.url(ch.localAddress(), tls), ProcessHandle.current().pid());
        }
        listenerKinds = String.join(",", kinds);
        runDir = Files.createTempDirectory("jgunicorn-" + ProcessHandle.current().pid() + "-");
        try {
            links = new WorkerLinkServer(group, runDir.resolve("workers.sock"), fds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the worker link socket");
        }
        identity.grantAccess(runDir);
        identity.grantAccess(links.path());
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

    /**
     * One readable loop: act on a signal or a control command, check boots and heartbeats, reap exited workers,
     * keep the count, and follow a USR2 upgrade.
     */
    private int loop() {
        while (true) {
            Object event;
            try {
                event = events.poll(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                event = "INT";
            }
            Integer exit = event instanceof ControlSocket.Command c ? command(c) : event != null ? signal((String) event) : null;
            if (exit != null) return exit;
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
            followUpgrade();
            servingWorkers = workers.values().stream().filter(c -> !c.retiring && c.process.isAlive() && booted(c))
                    .map(c -> c.number).toList();
            lastLoopNanos = System.nanoTime();
        }
    }

    /** Acts on one signal; returns the exit code when it ends the master. */
    private Integer signal(String sig) {
        if (sig.equals("TERM") || sig.equals("INT")) stopping = true; // /readyz turns false at once
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
            case "TTIN" -> setTarget(target + 1);
            case "TTOU" -> setTarget(Math.max(1, target - 1));
            case "USR1" -> reopenLogs();
            case "USR2" -> upgrade();
            case "WINCH" -> {
                // terminals send WINCH on resize: only a daemonized master takes it as "stop all workers"
                if (Main.daemonized()) {
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

    private void setTarget(int n) {
        int old = target;
        target = n;
        if (old != n) hooks.call("nworkers_changed", h -> h.nworkersChanged(arbiter(), n, old));
    }

    private void reopenLogs() {
        Logging.reopen();
        workers.values().forEach(c -> signal(c.process, "USR1"));
    }

    /** A control-socket command (Gunicorn's gunicornc vocabulary); answered before the master acts on a shutdown. */
    private Integer command(ControlSocket.Command c) {
        String[] w = c.line().split("\\s+");
        String verb = w[0] + (w.length > 1 ? " " + w[1] : "");
        try {
            switch (verb) {
                case "show workers" -> c.ok(showWorkers());
                case "show stats" -> c.ok(showStats());
                case "show config" -> c.ok(config.describe());
                case "show listeners" -> c.ok(showListeners());
                case "show all" -> c.ok(showStats() + "\n" + showWorkers() + "\n" + showListeners());
                case "worker add" -> {
                    setTarget(target + count(w));
                    c.ok("workers: " + target + "\n");
                }
                case "worker remove" -> {
                    setTarget(Math.max(1, target - count(w)));
                    c.ok("workers: " + target + "\n");
                }
                case "worker kill" -> {
                    long pid = w.length > 2 ? Long.parseLong(w[2]) : -1;
                    Child child = workers.values().stream().filter(x -> x.process.pid() == pid).findFirst().orElse(null);
                    if (child == null) {
                        c.error("no worker has pid " + (w.length > 2 ? w[2] : "(missing)"));
                    } else {
                        child.retiring = true;
                        child.termSent = true;
                        retire(child);
                        c.ok("worker " + child.number + " (pid " + pid + ") is stopping; a new one starts\n");
                    }
                }
                case "reload" -> {
                    reload();
                    c.ok("reloading\n");
                }
                case "reopen" -> {
                    reopenLogs();
                    c.ok("log files reopened\n");
                }
                default -> {
                    if (w[0].equals("shutdown")) {
                        boolean quick = w.length > 1 && w[1].equals("quick");
                        if (w.length > 1 && !quick && !w[1].equals("graceful")) {
                            c.error("shutdown takes graceful or quick, not " + w[1]);
                            return null;
                        }
                        c.ok("shutting down (" + (quick ? "quick" : "graceful") + ")\n");
                        stop(!quick);
                        return 0;
                    }
                    c.error("unknown command '" + c.line() + "'; try: show workers|stats|config|listeners|all, worker"
                            + " add|remove [N], worker kill PID, reload, reopen, shutdown [graceful|quick]");
                }
            }
        } catch (NumberFormatException e) {
            c.error("not a number in '" + c.line() + "'");
        }
        return null;
    }

    private static int count(String[] w) {
        int n = w.length > 2 ? Integer.parseInt(w[2]) : 1;
        if (n < 1) throw new NumberFormatException();
        return n;
    }

    private String showWorkers() {
        StringBuilder sb = new StringBuilder(String.format("%-7s %-8s %-7s %-10s %9s %12s%n", "WORKER", "PID", "AGE", "STATE",
                "REQUESTS", "CONNECTIONS"));
        long now = System.nanoTime();
        for (Child c : workers.values()) {
            WorkerLinkServer.Report r = links == null ? null : links.report(c.number);
            String state = c.retiring ? "retiring" : r != null && !r.booted ? "booting"
                    : r != null && now - r.lastBeat > TimeUnit.SECONDS.toNanos(3) ? "silent" : "serving";
            sb.append(String.format("%-7d %-8d %-7s %-10s %9s %12s%n", c.number, c.process.pid(),
                    age(TimeUnit.NANOSECONDS.toSeconds(now - c.startedNanos)), state,
                    r == null ? "-" : Long.toString(r.requests), r == null ? "-" : Integer.toString(r.connections)));
        }
        return sb.toString();
    }

    private String showStats() {
        long requests = workers.values().stream().mapToLong(c -> links == null ? 0 : links.report(c.number).requests).sum();
        long alive = workers.values().stream().filter(c -> c.process.isAlive()).count();
        StringBuilder sb = new StringBuilder();
        sb.append("master_pid: ").append(ProcessHandle.current().pid()).append('\n');
        sb.append("uptime: ").append(age((System.currentTimeMillis() - startedMillis) / 1000)).append('\n');
        sb.append("workers_target: ").append(target).append('\n');
        sb.append("workers_alive: ").append(alive).append('\n');
        sb.append("requests_current_workers: ").append(requests).append('\n');
        sb.append("restarts:");
        if (restarts.isEmpty()) sb.append(" none");
        restarts.forEach((reason, n) -> sb.append(' ').append(reason).append('=').append(n));
        return sb.append('\n').toString();
    }

    private String showListeners() {
        StringBuilder sb = new StringBuilder();
        boolean tls = config.get(Settings.CERTFILE) != null;
        for (Channel l : listeners) sb.append(Worker.url(l.localAddress(), tls)).append('\n');
        if (listeners.isEmpty()) for (String b : config.get(Settings.BIND)) sb.append(b).append(" (bound by each worker)\n");
        return sb.toString();
    }

    private static String age(long seconds) {
        if (seconds < 120) return seconds + "s";
        if (seconds < 7200) return seconds / 60 + "m";
        return seconds / 3600 + "h";
    }

    /**
     * USR2, the binary upgrade: start a new master from the current jar with the original command line; it takes
     * this master's listening sockets over the worker link and starts its own workers. Both serve until the
     * operator stops this one (TERM), as in Gunicorn.
     */
    private void upgrade() {
        if (upgradeChild != null && upgradeChild.isAlive()) {
            log.warn("USR2 ignored: the new master (pid: {}) of an earlier USR2 still runs", upgradeChild.pid());
            return;
        }
        if (oldMaster != null) {
            log.warn("USR2 ignored: this master is itself the new master of an upgrade and the old one (pid: {}) still runs",
                    oldMaster.pid());
            return;
        }
        if (links == null) {
            log.error("USR2 ignored: the binary upgrade hands sockets over with epoll, which is not available here");
            return;
        }
        hooks.call("pre_exec", h -> h.preExec(arbiter()));
        ProcessHandle.Info self = ProcessHandle.current().info();
        List<String> cmd = new ArrayList<>();
        cmd.add(self.command().orElse("java"));
        cmd.addAll(List.of(self.arguments().orElse(new String[0])));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO().directory(new File(System.getProperty("user.dir")));
        for (String v : List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")) pb.environment().remove(v);
        pb.environment().put(ENV_UPGRADE_FROM, links.path().toString());
        pb.environment().put(WorkerLinkServer.ENV_LISTENERS, listenerKinds);
        pb.environment().put(ENV_OLD_MASTER, Long.toString(ProcessHandle.current().pid()));
        try {
            upgradeChild = pb.start();
            log.info("Started a new master (pid: {}) for the binary upgrade; send TERM to this master (pid: {}) once the"
                    + " new one serves", upgradeChild.pid(), ProcessHandle.current().pid());
        } catch (IOException e) {
            log.error("USR2: cannot start a new master: {}", e.getMessage());
        }
    }

    /**
     * After a HUP whose new workers cannot boot: the old workers, not yet told to leave, stay and the previous
     * configuration comes back. False when there are no such workers (then the boot failure stops the master).
     */
    private boolean keepPreviousWorkers() {
        List<Child> previous = workers.values().stream()
                .filter(c -> c.retiring && !c.termSent && c.process.isAlive() && booted(c)).toList();
        if (previous.isEmpty() || previousConfig == null) return false;
        for (Child c : workers.values()) {
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

    /** Both sides of a USR2 upgrade: the old master notes a failed new one; the new one takes over once the old is gone. */
    private void followUpgrade() {
        if (upgradeChild != null && !upgradeChild.isAlive()) {
            log.error("The new master (pid: {}) of the binary upgrade exited with code {}; this master stays in charge",
                    upgradeChild.pid(), upgradeChild.exitValue());
            upgradeChild = null;
        }
        if (oldMaster != null && !oldMaster.isAlive()) {
            log.info("The old master (pid: {}) is gone: this master takes over its pidfile and control socket", oldMaster.pid());
            deletePid();
            oldMaster = null;
            writePid();
            openControlSocket();
        }
    }

    /** A worker whose heartbeat is older than --timeout is killed (its own log already holds the stuck thread's stack). */
    private void murderStuckWorkers() {
        long timeout = TimeUnit.SECONDS.toNanos(config.get(Settings.TIMEOUT));
        long now = System.nanoTime();
        for (Child c : workers.values()) {
            if (links == null || c.killedFor != null || !c.process.isAlive()) continue;
            WorkerLinkServer.Report r = links.report(c.number);
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
            WorkerLinkServer.Report r = links == null ? null : links.report(c.number);
            if (links != null) links.forget(c.number);
            int code = c.process.exitValue();
            boolean booted = r == null || r.booted;
            if (!booted && c.killedFor == null && !c.termSent && keepPreviousWorkers()) {
                log.error("Worker (pid:{}) failed to boot after a reload (exit code {}): the workers of the previous"
                        + " configuration keep serving; fix the configuration and send HUP again", c.process.pid(), code);
                continue;
            }
            // a worker the master itself told to leave (TTOU, reload) before it booted did not fail
            if (!booted && c.killedFor == null && !c.termSent) {
                log.error("Worker (pid:{}) failed to boot (exit code {}); shutting down", c.process.pid(), code);
                return code == Main.EXIT_APP_LOAD ? Main.EXIT_APP_LOAD : Main.EXIT_WORKER_BOOT;
            }
            hooks.call("child_exit", h -> h.childExit(arbiter(), new WorkerInfo(c.number, c.process.pid(), code)));
            if (c.retiring && (code == 0 || !booted || "reload failed".equals(c.killedFor))) continue; // left as asked
            String reason = c.killedFor != null ? c.killedFor
                    : r != null && r.recycling ? "recycle (max-requests)"
                    : code == 137 ? "killed by SIGKILL (perhaps out of memory)"
                    : code == Main.EXIT_OOM ? "out of memory"
                    : "crash (exit code " + code + ")";
            log.warn("Worker (pid:{}) exited: {}; starting a new one", c.process.pid(), reason);
            countRestart(restartKind(reason), 1);
            noteExit(c, reason);
        }
        return null;
    }

    /** The reason's kind, as counted by show stats (and the restarts metric): timeout, recycle, oom, killed, crash. */
    static String restartKind(String reason) {
        if (reason.contains("timeout")) return "timeout";
        if (reason.startsWith("recycle")) return "recycle";
        if (reason.equals("out of memory")) return "oom";
        if (reason.startsWith("killed")) return "killed";
        return "crash";
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
        if (links == null || !links.retire(c.number)) signal(c.process, "TERM");
    }

    private boolean booted(Child c) {
        return links == null || links.report(c.number).booted;
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
        hooks.call("pre_fork", h -> h.preFork(arbiter(), new WorkerInfo(n, 0, -1)));
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
        ProcessBuilder pb = new ProcessBuilder(identity.wrap(ProcessTitle.named(ProcessTitle.worker(config), cmd)))
                .inheritIO().directory(config.baseDir().toFile());
        pb.environment().put(Main.WORKER_ENV, Integer.toString(n));
        for (String v : List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")) pb.environment().remove(v); // the master's, not theirs
        if (links != null) {
            pb.environment().put(WorkerLinkServer.ENV_SOCKET, links.path().toString());
            pb.environment().put(WorkerLinkServer.ENV_LISTENERS, listenerKinds);
            links.report(n);
        }
        if (links != null && admin != null) {
            pb.environment().put(ScrapeSocket.ENV, runDir.resolve("metrics-" + n + ".sock").toString());
        }
        if (links == null || config.get(Settings.REUSE_PORT)) {
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

    /**
     * HUP: read the configuration again and start fresh workers with it; the old ones get TERM once the new ones
     * serve. A configuration that does not load is reported and changes nothing.
     */
    private void reload() {
        log.info("Hang up: Master");
        try {
            Config fresh = new ConfigLoader(System.getenv(), Path.of("").toAbsolutePath(),
                    Runtime.getRuntime().availableProcessors()).load(args).config();
            Worker.checkSettings(fresh);
            previousConfig = config;
            config = fresh;
        } catch (IOException | SettingException | IllegalArgumentException | ConfigLoader.UsageException e) {
            log.error("Reload failed, the running configuration and workers stay: {}", e.getMessage());
            return;
        }
        hooks.call("on_reload", h -> h.onReload(arbiter()));
        setTarget(workerCount(config));
        for (Child c : workers.values()) {
            if (!c.retiring) countRestart("reload", 1);
            c.retiring = true;
        }
    }

    private void stop(boolean graceful) {
        stopping = true;
        log.info("Handling signal: {}", graceful ? "term" : "int");
        workers.values().forEach(c -> signal(c.process, graceful ? "TERM" : "INT"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.get(Settings.GRACEFUL_TIMEOUT) + 1L);
        for (Child c : workers.values()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!c.process.waitFor(left, TimeUnit.NANOSECONDS)) c.process.destroyForcibly();
                int code = c.process.waitFor();
                hooks.call("child_exit", h -> h.childExit(arbiter(), new WorkerInfo(c.number, c.process.pid(), code)));
            } catch (InterruptedException e) {
                c.process.destroyForcibly();
            }
        }
        workers.clear();
        log.info("Shutting down: Master");
    }

    private void shutdownNetty() {
        boolean handedOver = upgradeChild != null && upgradeChild.isAlive();
        for (Channel l : listeners) {
            // closing a Unix listener we bound unlinks its path, which the new master of an upgrade still serves
            if (handedOver && l instanceof EpollServerDomainSocketChannel) l.deregister().syncUninterruptibly();
            else l.close().syncUninterruptibly();
        }
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

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The pidfile; as in Gunicorn, the new master of an upgrade writes PIDFILE.2 until the old master is gone. */
    private Path pidfile() {
        String pidfile = config.get(Settings.PIDFILE);
        if (pidfile == null) return null;
        return config.baseDir().resolve(oldMaster != null ? pidfile + ".2" : pidfile);
    }

    private void writePid() {
        Path p = pidfile();
        if (p == null) return;
        try {
            Files.writeString(p, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            log.error("cannot write pidfile {}: {}", p, e.getMessage());
        }
    }

    /** Removes the pidfile if it is still this master's (after an upgrade the new master may own the name). */
    private void deletePid() {
        Path p = pidfile();
        if (p == null) return;
        try {
            if (Files.readString(p).strip().equals(Long.toString(ProcessHandle.current().pid()))) Files.delete(p);
        } catch (IOException ignored) {
            // already gone
        }
    }
}
