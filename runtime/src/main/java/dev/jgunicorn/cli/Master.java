package dev.jgunicorn.cli;

import dev.jgunicorn.server.BindAddress;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The master: starts worker JVMs and keeps their number, like Gunicorn's arbiter. Its whole life is one loop
 * over queued signals and exited children. This first version lets each worker bind its own socket with
 * SO_REUSEPORT (Gunicorn's --reuse-port mode); shared listeners, heartbeats and the rest of the arbiter's
 * signals come with the process-model work.
 */
final class Master {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private final Config config;
    private final List<String> args;
    private final LinkedBlockingQueue<String> signals = new LinkedBlockingQueue<>();
    private final Map<Integer, Process> workers = new LinkedHashMap<>();
    private int target;
    private int nextNumber = 1;

    Master(Config config, List<String> args) {
        this.config = config;
        this.args = args;
        this.target = config.get(Settings.WORKERS);
    }

    int run() {
        log.info("Starting jgunicorn {}", Version.get());
        boolean tls = config.get(Settings.CERTFILE) != null;
        for (String b : config.get(Settings.BIND)) {
            log.info("Listening at: {} ({})", Worker.url(BindAddress.parse(b), tls), ProcessHandle.current().pid());
        }
        log.info("Using worker: {}", Worker.model(config).settingValue);
        if ("gevent".equals(config.get(Settings.WORKER_CLASS))) {
            log.info("worker class gevent runs as virtual: Java's virtual threads play the part of greenlets, no monkey-patching");
        }
        String pidfile = config.get(Settings.PIDFILE);
        if (pidfile != null) writePid(pidfile);
        for (String s : List.of("TERM", "INT", "HUP", "TTIN", "TTOU", "USR1", "CHLD")) {
            Signal.handle(new Signal(s), sig -> signals.add(sig.getName()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> workers.values().forEach(Process::destroyForcibly)));
        int exit = loop();
        if (pidfile != null) config.baseDir().resolve(pidfile).toFile().delete();
        return exit;
    }

    /** One readable loop: act on a signal, reap exited workers, spawn up to the target. */
    private int loop() {
        while (true) {
            String sig;
            try {
                sig = signals.poll(1, TimeUnit.SECONDS);
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
                    case "USR1" -> {
                        Logging.reopen();
                        workers.values().forEach(p -> signal(p, "USR1"));
                    }
                    default -> { } // CHLD: the reaping below does the work
                }
            }
            Integer failed = reap();
            if (failed != null) {
                log.error("Worker failed to boot (exit {}); stopping", failed);
                stop(false);
                return failed == Main.EXIT_APP_LOAD ? Main.EXIT_APP_LOAD : Main.EXIT_WORKER_BOOT;
            }
            manageWorkers();
        }
    }

    /** Removes exited workers; returns the exit code of one that could not boot (3 or 4), which halts the master. */
    private Integer reap() {
        for (var it = workers.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Process p = e.getValue();
            if (p.isAlive()) continue;
            it.remove();
            int code = p.exitValue();
            if (code == Main.EXIT_APP_LOAD || code == Main.EXIT_WORKER_BOOT) return code;
            if (code != 0) log.warn("Worker (pid:{}) exited with code {}", p.pid(), code);
        }
        return null;
    }

    private void manageWorkers() {
        while (workers.size() < target) spawn();
        while (workers.size() > target) {
            var oldest = workers.entrySet().iterator().next();
            workers.remove(oldest.getKey());
            signal(oldest.getValue(), "TERM");
        }
    }

    private void spawn() {
        int n = nextNumber++;
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED"); // Netty's epoll transport loads its native library
        cmd.addAll(config.get(Settings.JVM_ARGS));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO().directory(config.baseDir().toFile());
        pb.environment().put(Main.WORKER_ENV, Integer.toString(n));
        pb.environment().put("JGUNICORN_REUSE_PORT", "1");
        for (String kv : config.get(Settings.RAW_ENV)) {
            int eq = kv.indexOf('=');
            pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        try {
            workers.put(n, pb.start());
        } catch (IOException e) {
            log.error("cannot start a worker: {}", e.getMessage());
        }
    }

    /** HUP: start fresh workers (they read the configuration anew), then gracefully stop the old ones. */
    private void reload() {
        log.info("Hang up: Master");
        List<Process> old = new ArrayList<>(workers.values());
        workers.clear();
        manageWorkers();
        old.forEach(p -> signal(p, "TERM"));
    }

    private void stop(boolean graceful) {
        log.info("Handling signal: {}", graceful ? "term" : "int");
        workers.values().forEach(p -> signal(p, graceful ? "TERM" : "INT"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.get(Settings.GRACEFUL_TIMEOUT) + 1L);
        for (Process p : workers.values()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!p.waitFor(left, TimeUnit.NANOSECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        workers.clear();
        log.info("Shutting down: Master");
    }

    private static void signal(Process p, String name) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            p.destroy();
        }
    }

    private void writePid(String pidfile) {
        try {
            Path p = config.baseDir().resolve(pidfile);
            Files.writeString(p, ProcessHandle.current().pid() + "\n");
            p.toFile().deleteOnExit();
        } catch (IOException e) {
            log.error("cannot write pidfile {}: {}", pidfile, e.getMessage());
        }
    }
}
