package dev.jgunicorn.worker;

import com.sun.net.httpserver.HttpHandler;
import dev.jgunicorn.app.AppLoadException;
import dev.jgunicorn.app.AppLoader;
import dev.jgunicorn.hooks.Hooks;
import dev.jgunicorn.hooks.WorkerInfo;
import dev.jgunicorn.metrics.AdminServer;
import dev.jgunicorn.metrics.ProcessMetrics;
import dev.jgunicorn.metrics.RequestMetrics;
import dev.jgunicorn.metrics.ScrapeSocket;
import dev.jgunicorn.process.ExitCodes;
import dev.jgunicorn.process.Logging;
import dev.jgunicorn.process.ProcessEnvironment;
import dev.jgunicorn.process.ProcessTitle;
import dev.jgunicorn.server.BindAddress;
import dev.jgunicorn.server.JgunicornHttpServer;
import dev.jgunicorn.server.Http2Options;
import dev.jgunicorn.server.ServerOptions;
import dev.jgunicorn.server.Tls;
import dev.jgunicorn.server.WorkerModel;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * One worker process: loads the app, serves every bind address, and stops gracefully on TERM (quickly on INT),
 * when its master dies, or after max_requests.
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private final Config config;
    private final int number;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Duration grace;
    private volatile boolean retiring;
    private final Hooks hooks;
    private final WorkerInfo me;
    private volatile JgunicornHttpServer server; // for the probes, once it exists
    private volatile boolean serving;

    public Worker(Config config, int number, Hooks hooks) {
        this.config = config;
        this.number = number;
        this.hooks = hooks;
        this.me = new WorkerInfo(number, ProcessHandle.current().pid(), -1);
        this.grace = Duration.ofSeconds(config.get(Settings.GRACEFUL_TIMEOUT));
    }

    /** Settings that pass their own type but not the runtime's rules. */
    public static void checkSettings(Config c) {
        if (!"http".equals(c.get(Settings.PROTOCOL))) {
            throw new SettingException("protocol", "protocol " + c.get(Settings.PROTOCOL)
                    + " is not implemented by jgunicorn: only http; put an HTTP proxy in front instead of uwsgi_pass");
        }
        Http2Options.from(c); // http_protocols names h3
        if (c.get(Settings.CERTFILE) != null || c.get(Settings.KEYFILE) != null) tls(c); // fail at start, not per connection
        for (String b : c.get(Settings.BIND)) {
            if (!b.startsWith("fd://")) BindAddress.parse(b); // fd:// is checked by the master that adopts it
        }
        if (c.get(Settings.ADMIN_BIND) != null) dev.jgunicorn.metrics.AdminServer.address(c.get(Settings.ADMIN_BIND));
        dev.jgunicorn.metrics.ProcessMetrics.check(c);
        for (String e : c.get(Settings.RAW_ENV)) {
            if (!e.contains("=")) throw new SettingException("raw_env", "raw_env entry '" + e + "' is not KEY=VALUE");
        }
    }

    /** TLS from certfile/keyfile/ca_certs/cert_reqs/ciphers; null when certfile and keyfile are unset. */
    static Tls tls(Config c) {
        if (c.get(Settings.CERTFILE) == null && c.get(Settings.KEYFILE) == null) return null;
        try {
            Http2Options h2 = Http2Options.from(c);
            return Tls.fromFiles(c.baseDir(), c.get(Settings.CERTFILE), c.get(Settings.KEYFILE), c.get(Settings.CA_CERTS),
                    c.get(Settings.CERT_REQS), c.get(Settings.CIPHERS), h2.enabled() ? h2.alpn() : List.of());
        } catch (IllegalArgumentException e) {
            throw new SettingException("certfile", e.getMessage());
        }
    }

    /** The JDK's system property for the number of carrier threads of the virtual-thread scheduler. */
    static final String CARRIERS = "jdk.virtualThreadScheduler.parallelism";

    /**
     * The virtual worker runs its virtual threads on --threads carrier threads (default 1), as a gevent worker runs
     * one hub: more worker processes, not more carriers, use more cores. Fewer carriers also mean fewer park/unpark
     * round trips per request. Set before the first virtual thread exists; a -D in jvm_args wins.
     */
    static void setVirtualCarriers(Config c) {
        if (WorkerModel.of(c) == WorkerModel.VIRTUAL && System.getProperty(CARRIERS) == null) {
            System.setProperty(CARRIERS, Integer.toString(Math.max(1, c.get(Settings.THREADS))));
        }
    }

    public int run() {
        setVirtualCarriers(config);
        ProcessTitle.setShortName(config);
        hooks.call("post_fork", h -> h.postFork(me));
        // Meters only when something reads them: the admin listener, the master's aggregation, or statsd.
        String scrapeSocket = System.getenv(ProcessEnvironment.METRICS_SOCKET);
        boolean standalone = System.getenv(ProcessEnvironment.WORKER_LINK) == null;
        String adminBind = standalone ? config.get(Settings.ADMIN_BIND) : null;
        ProcessMetrics metrics = adminBind != null || scrapeSocket != null || config.get(Settings.STATSD_HOST) != null
                ? new ProcessMetrics(config) : null;
        AdminServer admin = null;
        ScrapeSocket scrape = null;
        try {
            // Up before the app loads, so a probe sees "starting" rather than a refused connection.
            if (adminBind != null) admin = AdminServer.start(adminBind, metrics::scrape, this::liveness, this::readiness);
            if (scrapeSocket != null) scrape = ScrapeSocket.serve(Path.of(scrapeSocket), metrics::scrape);
        } catch (IOException e) {
            log.error("Cannot listen at admin_bind {}: {}", adminBind, e.getMessage());
            return ExitCodes.WORKER_BOOT_ERROR;
        }
        try {
            return serve(metrics);
        } finally {
            if (admin != null) admin.close();
            if (scrape != null) scrape.close();
            if (metrics != null) metrics.close();
        }
    }

    /** /healthz with --no-master: the worker is not silent for --timeout (nothing else would replace it). */
    private AdminServer.Check liveness() {
        JgunicornHttpServer s = server;
        Duration timeout = Duration.ofSeconds(config.get(Settings.TIMEOUT));
        if (s == null || timeout.isZero()) return AdminServer.Check.OK;
        return silence(s, timeout).map(AdminServer.Check::failing).orElse(AdminServer.Check.OK);
    }

    /**
     * Why this worker has been silent for {@code limit}, in Gunicorn's sense, if it has: an event loop blocked, or,
     * under sync, a request still running (sync's one thread is the one that would notify). Under gthread, virtual
     * and eventloop a long request is not silence: Gunicorn's timeout is the worker's heartbeat, not a request limit.
     */
    private Optional<String> silence(JgunicornHttpServer s, Duration limit) {
        Optional<Thread> stalled = s.worker().stalledLoop(limit);
        if (stalled.isPresent()) return Optional.of("event loop " + stalled.get().getName() + " has not run for more than " + limit.toSeconds() + " s");
        if (WorkerModel.of(config) == WorkerModel.SYNC && s.worker().requestsRunningLongerThan(limit) > 0) {
            return Optional.of("the sync worker's request has run for more than " + limit.toSeconds() + " s");
        }
        return Optional.empty();
    }

    /** /readyz with --no-master: the app is loaded and the worker accepts; false from the first moment of a stop. */
    private AdminServer.Check readiness() {
        JgunicornHttpServer s = server;
        if (s == null || !serving) return AdminServer.Check.failing("starting: the app is not loaded yet");
        if (stop.getCount() == 0 || s.worker().isDrainingOrStopped()) return AdminServer.Check.failing("stopping: finishing requests in flight");
        return AdminServer.Check.OK;
    }

    private int serve(ProcessMetrics metrics) {
        HttpHandler handler;
        try {
            handler = AppLoader.load(config.app(), AppLoader.classLoader(config.get(Settings.CLASSPATH), config.baseDir()));
        } catch (AppLoadException e) {
            log.error("Exception in worker process: {}", e.getMessage(), e.getCause());
            return ExitCodes.APP_LOAD_ERROR;
        }
        hooks.call("post_worker_init", h -> h.postWorkerInit(me));
        if (hooks.configured()) handler = withRequestHooks(handler, hooks, me);
        ServerOptions options = ServerOptions.from(config);
        if (System.getenv(ProcessEnvironment.TRAINING) != null) return train(options);
        JgunicornHttpServer server = new JgunicornHttpServer(options);
        this.server = server;
        server.createContext("/", handler);
        if (metrics != null) server.worker().setRequestListener(new RequestMetrics(metrics.registry(), server.worker()));
        server.worker().setTls(tls(config));
        server.worker().setProxyProtocol(config.get(Settings.PROXY_PROTOCOL), config.get(Settings.PROXY_ALLOW_IPS));
        String controlSocket = System.getenv(ProcessEnvironment.WORKER_LINK);
        MasterLink control = null;
        try {
            if (controlSocket != null) {
                String listed = System.getenv().getOrDefault(ProcessEnvironment.LISTENERS, "");
                List<String> kinds = listed.isEmpty() ? List.of() : List.of(listed.split(","));
                control = new MasterLink(Path.of(controlSocket), number, kinds.size());
                if (kinds.isEmpty()) bindListeners(server); // --reuse-port: each worker binds its own socket
                else adoptListeners(server, control.listeners(30), kinds);
            } else {
                bindListeners(server);
            }
        } catch (IOException e) {
            log.error("Worker failed to boot: {}", e.getMessage());
            if (control != null) control.close();
            return ExitCodes.WORKER_BOOT_ERROR;
        }
        MasterLink master = control;
        server.worker().onRecycle(() -> {
            if (master != null) master.send("recycle");
            retiring = master != null; // the master keeps the listener: the next worker takes the queue
            stop.countDown();
        });
        server.start();
        serving = true;
        log.info("Booting worker with pid: {}", ProcessHandle.current().pid());

        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> {
            hooks.call("worker_int", h -> h.workerInt(me));
            grace = Duration.ZERO;
            stop.countDown();
        });
        Signal.handle(new Signal("USR1"), s -> Logging.reopen());
        // A worker never outlives its master: the worker link closes the moment the master is gone,
        // even after kill -9 (Gunicorn watches the parent pid for the same reason).
        Runnable orphaned = () -> {
            grace = Duration.ZERO;
            stop.countDown();
        };
        if (master != null) {
            master.closed().thenRun(orphaned);
            master.retire().thenRun(() -> {
                retiring = true;
                stop.countDown();
            });
            master.send("booted");
            Thread.ofPlatform().daemon().name("jgunicorn-heartbeat").start(() -> heartbeat(server, master));
        } else if (number > 0) {
            ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(orphaned));
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("Worker exiting (pid: {})", ProcessHandle.current().pid());
        // A retiring worker's listeners stay open in the master and the other workers: no need to drain the queue.
        server.worker().stop(grace, !retiring);
        hooks.call("worker_exit", h -> h.workerExit(me));
        if (master != null) master.close();
        return 0;
    }

    /** pre_request and post_request around the app, as Gunicorn calls them around the WSGI callable. */
    private static HttpHandler withRequestHooks(HttpHandler app, Hooks hooks, WorkerInfo me) {
        return exchange -> {
            hooks.call("pre_request", h -> h.preRequest(me, exchange));
            try {
                app.handle(exchange);
            } finally {
                hooks.call("post_request", h -> h.postRequest(me, exchange));
            }
        };
    }

    /**
     * The class-data training run (see ClassDataArchive): with the app loaded (above), serve a few requests to an
     * internal handler on a loopback port so the server's classes load too, then exit; the JVM archives every class
     * it loaded. The app's own handler is never called, so training has no side effects on the app's data.
     */
    private int train(ServerOptions options) {
        JgunicornHttpServer server = new JgunicornHttpServer(options);
        server.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            if (body.length > 0) ex.getResponseBody().write(body);
            ex.close();
        });
        try {
            server.bind(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            server.start();
            int port = server.getAddress().getPort();
            for (String request : List.of("GET /?q=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                    "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nok\r\n0\r\n\r\n")) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getInputStream().readAllBytes();
                }
            }
        } catch (IOException e) {
            log.error("training run failed: {}", e.getMessage());
            return 1;
        } finally {
            server.stop(0);
        }
        return 0;
    }

    /** Without a master (a pod, or no epoll): bind every address here. */
    private void bindListeners(JgunicornHttpServer server) throws IOException {
        boolean reusePort = System.getenv(ProcessEnvironment.REUSE_PORT) != null;
        for (String b : config.get(Settings.BIND)) {
            SocketAddress bound = server.worker().bind(BindAddress.parse(b), config.get(Settings.BACKLOG), reusePort);
            log.info("Listening at: {} ({})", url(bound, config.get(Settings.CERTFILE) != null), ProcessHandle.current().pid());
        }
    }

    /** Under a master: serve the sockets it opened or inherited, in its order. */
    private void adoptListeners(JgunicornHttpServer server, List<FileDescriptor> fds, List<String> kinds) throws IOException {
        for (int i = 0; i < fds.size(); i++) server.worker().adopt(fds.get(i).intValue(), kinds.get(i).equals("unix"));
    }

    /**
     * Tells the master once a second that this worker is alive, as long as it is not silent (see {@link #silence}):
     * the master kills a worker whose last beat is older than --timeout. A loop blocked for half of --timeout gets
     * its stack written to the error log, so the kill that follows has a cause (a late request's stack is logged by
     * the server).
     */
    private void heartbeat(JgunicornHttpServer server, MasterLink master) {
        Duration timeout = Duration.ofSeconds(config.get(Settings.TIMEOUT));
        Duration dumpAfter = timeout.dividedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? timeout.dividedBy(2) : Duration.ofSeconds(2);
        boolean reported = false;
        while (stop.getCount() > 0) {
            Optional<Thread> stalled = server.worker().stalledLoop(Duration.ofSeconds(2));
            if (timeout.isZero() || silence(server, Duration.ofSeconds(2)).isEmpty()) {
                master.send("beat " + server.worker().requestCount() + " " + server.worker().connectionCount());
                reported = false;
            } else if (!reported && stalled.isPresent() && server.worker().stalledLoop(dumpAfter).isPresent()) {
                reported = true;
                Thread t = stalled.get();
                StringBuilder sb = new StringBuilder();
                for (StackTraceElement e : t.getStackTrace()) sb.append("\n\tat ").append(e);
                log.error("WORKER STUCK: event loop thread {} has not run for {} s; the master kills this worker at --timeout {} s{}",
                        t.getName(), dumpAfter.toSeconds(), timeout.toSeconds(), sb);
                hooks.call("worker_abort", h -> h.workerAbort(me));
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A listener's address as the logs show it: http(s)://HOST:PORT or unix:PATH. */
    public static String url(SocketAddress a, boolean tls) {
        if (a instanceof java.net.InetSocketAddress i) {
            String host = i.getAddress().getHostAddress();
            if (host.contains(":")) host = "[" + host + "]";
            return (tls ? "https://" : "http://") + host + ":" + i.getPort();
        }
        return "unix:" + a;
    }
}
