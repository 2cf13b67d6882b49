package dev.jgunicorn.cli;

import com.sun.net.httpserver.HttpHandler;
import dev.jgunicorn.app.AppLoadException;
import dev.jgunicorn.app.AppLoader;
import dev.jgunicorn.http.ParserConfig;
import dev.jgunicorn.server.AccessLog;
import dev.jgunicorn.server.BindAddress;
import dev.jgunicorn.server.JgunicornHttpServer;
import dev.jgunicorn.server.ServerOptions;
import dev.jgunicorn.server.Tls;
import dev.jgunicorn.server.WorkerModel;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One worker process: loads the app, serves every bind address, and stops gracefully on TERM (quickly on INT),
 * when its master dies, or after max_requests.
 */
final class Worker {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private final Config config;
    private final int number;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Duration grace;

    Worker(Config config, int number) {
        this.config = config;
        this.number = number;
        this.grace = Duration.ofSeconds(config.get(Settings.GRACEFUL_TIMEOUT));
    }

    /** Settings that pass their own type but not the runtime's rules. */
    static void checkSettings(Config c) {
        if (!"http".equals(c.get(Settings.PROTOCOL))) {
            throw new SettingException("protocol", "protocol " + c.get(Settings.PROTOCOL)
                    + " is not implemented by jgunicorn: only http; put an HTTP proxy in front instead of uwsgi_pass");
        }
        if (c.get(Settings.CERTFILE) != null || c.get(Settings.KEYFILE) != null) tls(c); // fail at start, not per connection
        for (String b : c.get(Settings.BIND)) BindAddress.parse(b);
        for (String e : c.get(Settings.RAW_ENV)) {
            if (!e.contains("=")) throw new SettingException("raw_env", "raw_env entry '" + e + "' is not KEY=VALUE");
        }
    }

    /** TLS from certfile/keyfile/ca_certs/cert_reqs/ciphers; null when certfile and keyfile are unset. */
    static Tls tls(Config c) {
        if (c.get(Settings.CERTFILE) == null && c.get(Settings.KEYFILE) == null) return null;
        try {
            return Tls.fromFiles(c.baseDir(), c.get(Settings.CERTFILE), c.get(Settings.KEYFILE), c.get(Settings.CA_CERTS),
                    c.get(Settings.CERT_REQS), c.get(Settings.CIPHERS));
        } catch (IllegalArgumentException e) {
            throw new SettingException("certfile", e.getMessage());
        }
    }

    static WorkerModel model(Config c) {
        String k = c.get(Settings.WORKER_CLASS);
        // As in Gunicorn: sync with more than one thread becomes gthread.
        if ("sync".equals(k) && c.get(Settings.THREADS) > 1) return WorkerModel.GTHREAD;
        return WorkerModel.of(k);
    }

    static ServerOptions options(Config c) {
        ParserConfig parser = new ParserConfig(c.get(Settings.LIMIT_REQUEST_LINE), c.get(Settings.LIMIT_REQUEST_FIELDS),
                c.get(Settings.LIMIT_REQUEST_FIELD_SIZE), c.get(Settings.PERMIT_OBSOLETE_FOLDING),
                c.get(Settings.STRIP_HEADER_SPACES), c.get(Settings.PERMIT_UNCONVENTIONAL_HTTP_METHOD),
                c.get(Settings.PERMIT_UNCONVENTIONAL_HTTP_VERSION), c.get(Settings.CASEFOLD_HTTP_METHOD),
                c.get(Settings.HEADER_MAP), c.get(Settings.FORWARDER_HEADERS), c.get(Settings.SECURE_SCHEME_HEADERS),
                c.get(Settings.FORWARDED_ALLOW_IPS), c.get(Settings.REQUIRE_HOST));
        // As in Gunicorn, access lines exist when an access log, a logging config, or syslog (not kept out) asks for them.
        boolean accessLines = c.get(Settings.ACCESSLOG) != null || c.get(Settings.LOGCONFIG) != null
                || (c.get(Settings.SYSLOG) && !c.get(Settings.DISABLE_REDIRECT_ACCESS_TO_SYSLOG));
        long maxRequests = c.get(Settings.MAX_REQUESTS);
        if (maxRequests > 0 && c.get(Settings.MAX_REQUESTS_JITTER) > 0) {
            maxRequests += ThreadLocalRandom.current().nextInt(c.get(Settings.MAX_REQUESTS_JITTER) + 1);
        }
        return new ServerOptions(model(c), c.get(Settings.THREADS), c.get(Settings.WORKER_CONNECTIONS),
                Duration.ofSeconds(c.get(Settings.KEEPALIVE)), Duration.ofSeconds(c.get(Settings.HEADER_TIMEOUT)),
                Duration.ofSeconds(c.get(Settings.TIMEOUT)), Duration.ofSeconds(c.get(Settings.GRACEFUL_TIMEOUT)),
                c.get(Settings.BACKLOG), parser,
                accessLines ? new AccessLog(c.get(Settings.ACCESS_LOG_FORMAT)) : null, maxRequests);
    }

    int run() {
        HttpHandler handler;
        try {
            handler = AppLoader.load(config.app(), AppLoader.classLoader(config.get(Settings.CLASSPATH), config.baseDir()));
        } catch (AppLoadException e) {
            log.error("Exception in worker process: {}", e.getMessage(), e.getCause());
            return Main.EXIT_APP_LOAD;
        }
        ServerOptions options = options(config);
        JgunicornHttpServer server = new JgunicornHttpServer(options);
        server.createContext("/", handler);
        server.worker().setTls(tls(config));
        server.worker().setProxyProtocol(config.get(Settings.PROXY_PROTOCOL), config.get(Settings.PROXY_ALLOW_IPS));
        boolean reusePort = System.getenv("JGUNICORN_REUSE_PORT") != null;
        try {
            for (String b : config.get(Settings.BIND)) {
                SocketAddress bound = server.worker().bind(BindAddress.parse(b), config.get(Settings.BACKLOG), reusePort);
                log.debug("worker {} listening at {}", number, url(bound, config.get(Settings.CERTFILE) != null));
            }
        } catch (IOException e) {
            log.error("Worker failed to boot: {}", e.getMessage());
            return Main.EXIT_WORKER_BOOT;
        }
        server.worker().onRecycle(() -> {
            grace = Duration.ofSeconds(config.get(Settings.GRACEFUL_TIMEOUT));
            stop.countDown();
        });
        server.start();
        log.info("Booting worker with pid: {}", ProcessHandle.current().pid());

        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> {
            grace = Duration.ZERO;
            stop.countDown();
        });
        Signal.handle(new Signal("USR1"), s -> Logging.reopen());
        // A worker never outlives its master (Gunicorn checks the parent pid for the same reason).
        if (number > 0) ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> {
            grace = Duration.ZERO;
            stop.countDown();
        }));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("Worker exiting (pid: {})", ProcessHandle.current().pid());
        server.worker().stop(grace);
        return 0;
    }

    static String url(SocketAddress a, boolean tls) {
        if (a instanceof java.net.InetSocketAddress i) {
            String host = i.getAddress().getHostAddress();
            if (host.contains(":")) host = "[" + host + "]";
            return (tls ? "https://" : "http://") + host + ":" + i.getPort();
        }
        return "unix:" + a;
    }
}
