package dev.jgunicorn.arbiter;

import dev.jgunicorn.metrics.AdminServer;
import dev.jgunicorn.metrics.Exposition;
import dev.jgunicorn.server.ListenQueue;
import dev.jgunicorn.metrics.ProcessMetrics;
import dev.jgunicorn.metrics.ScrapeSocket;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.worker.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The master's restarts by reason (for show stats, always), its meters (with admin_bind or statsd) and, with
 * admin_bind, the admin listener: /metrics merges the master's exposition with every worker's, each labelled by
 * worker number; /healthz and /readyz answer for the master.
 */
final class MasterMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final List<String> RESTART_KINDS = List.of("timeout", "crash", "oom", "killed", "recycle", "reload");

    private final Map<String, Long> restarts = new TreeMap<>();
    private Path runDir;
    private ProcessMetrics metrics;
    private AdminServer admin;
    // What the admin listener's threads read; written by the loop only.
    private volatile long lastLoopNanos = System.nanoTime();
    private volatile List<Integer> servingWorkers = List.of();
    private volatile boolean stopping;
    private volatile long lastBeatingNanos = System.nanoTime();
    private long silenceLimitNanos;

    /** Starts the meters and the admin listener when the settings ask for them; the workers' scrape sockets go in runDir. */
    void start(Config config, Listeners listeners, Path runDir) throws IOException {
        this.runDir = runDir;
        silenceLimitNanos = TimeUnit.SECONDS.toNanos(config.get(Settings.TIMEOUT)) + Master.BOOT_TIMEOUT_NANOS;
        String adminBind = config.get(Settings.ADMIN_BIND);
        if (adminBind == null && config.get(Settings.STATSD_HOST) == null) return;
        metrics = new ProcessMetrics(config);
        Gauge.builder("gunicorn.workers", this, m -> m.servingWorkers.size())
                .description("Workers that booted and serve (the master's count)").register(metrics.registry());
        for (String kind : RESTART_KINDS) count(kind, 0);
        if (config.get(Settings.ENABLE_BACKLOG_METRIC)) {
            boolean tls = config.get(Settings.CERTFILE) != null;
            for (Channel l : listeners.channels()) {
                if (!(l.localAddress() instanceof InetSocketAddress a)) continue; // the kernel shows no queue for Unix sockets
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

    /** True when the admin listener runs: each worker then serves its exposition on {@link #scrapeSocket}. */
    boolean scrapesWorkers() {
        return admin != null;
    }

    /** Where worker {@code n} serves its exposition to the master. */
    Path scrapeSocket(int n) {
        return runDir.resolve("metrics-" + n + ".sock");
    }

    /** One worker replaced, counted under {@code kind}. */
    void countRestart(String kind) {
        count(kind, 1);
    }

    private void count(String kind, long n) {
        restarts.merge(kind, n, Long::sum);
        if (metrics != null) {
            Counter.builder("gunicorn.worker.restarts").tag("reason", kind).description("Workers replaced, by reason")
                    .register(metrics.registry()).increment(n);
        }
    }

    /** Restarts by kind, in name order (with meters, every kind from the start). */
    Map<String, Long> restarts() {
        return restarts;
    }

    /**
     * Called by the loop on every turn, with the workers that serve now and whether the master has what it wants of
     * them: a worker that beats within --timeout (or no worker wanted).
     */
    void loopTurned(List<Integer> serving, boolean beating) {
        servingWorkers = serving;
        long now = System.nanoTime();
        lastLoopNanos = now;
        if (beating) lastBeatingNanos = now;
    }

    /** /readyz turns false from the first moment of a stop. */
    void stopping() {
        stopping = true;
    }

    /** The master's exposition and every serving worker's (fetched in parallel, 2 s at most), labelled by worker. */
    private String exposition() {
        Exposition all = new Exposition().add(metrics.scrape(), null);
        List<Integer> numbers = servingWorkers;
        List<CompletableFuture<String>> scrapes = new ArrayList<>();
        for (int n : numbers) {
            Path sock = scrapeSocket(n);
            scrapes.add(CompletableFuture.supplyAsync(() -> ScrapeSocket.fetch(sock), r -> Thread.ofVirtual().start(r))
                    .completeOnTimeout(null, 2, TimeUnit.SECONDS));
        }
        for (int i = 0; i < numbers.size(); i++) {
            String text = scrapes.get(i).join();
            if (text != null) all.add(text, Integer.toString(numbers.get(i)));
        }
        return all.toString();
    }

    /**
     * /healthz of the master, Gunicorn's heartbeat seen from outside: its loop turns, and a worker has beaten within
     * --timeout plus the boot budget (the master kills a silent worker at --timeout and boots another; past that it
     * could not, e.g. workers that keep crashing while it backs off). A long request is never a reason by itself.
     */
    private AdminServer.Check liveness() {
        long now = System.nanoTime();
        long idle = now - lastLoopNanos;
        if (idle >= TimeUnit.SECONDS.toNanos(10)) {
            return AdminServer.Check.failing("the master's loop has not run for " + TimeUnit.NANOSECONDS.toSeconds(idle) + " s");
        }
        long silent = now - lastBeatingNanos;
        if (silent > silenceLimitNanos) {
            return AdminServer.Check.failing("no worker has beaten for " + TimeUnit.NANOSECONDS.toSeconds(silent)
                    + " s (timeout plus the " + TimeUnit.NANOSECONDS.toSeconds(Master.BOOT_TIMEOUT_NANOS) + " s boot budget)");
        }
        return AdminServer.Check.OK;
    }

    /** /readyz of the master: at least one worker serves, and no stop has begun. */
    private AdminServer.Check readiness() {
        if (stopping) return AdminServer.Check.failing("stopping: finishing requests in flight");
        if (servingWorkers.isEmpty()) return AdminServer.Check.failing("no worker serves yet");
        return AdminServer.Check.OK;
    }

    @Override
    public void close() {
        if (admin != null) admin.close();
        if (metrics != null) metrics.close();
    }
}
