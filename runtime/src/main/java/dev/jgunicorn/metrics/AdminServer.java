package dev.jgunicorn.metrics;

import com.sun.net.httpserver.HttpExchange;
import dev.jgunicorn.server.BindAddress;
import dev.jgunicorn.server.JgunicornHttpServer;
import dev.jgunicorn.server.ServerOptions;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The admin listener ({@code admin_bind}): {@code GET /metrics} (Prometheus text), {@code /healthz} (liveness) and
 * {@code /readyz} (readiness), served by jgunicorn's own HTTP server on its own port, never the app's. The master
 * serves it for all its workers; with --no-master the worker serves it.
 */
public final class AdminServer implements AutoCloseable {
    /** An answer of /healthz or /readyz: 200 with "ok", or 503 with the reason. */
    public record Check(boolean ok, String reason) {
        public static final Check OK = new Check(true, "ok");

        public static Check failing(String reason) {
            return new Check(false, reason);
        }
    }

    private final JgunicornHttpServer server;

    private AdminServer(JgunicornHttpServer server) {
        this.server = server;
    }

    /** Checks admin_bind at start: HOST:PORT or [IPv6]:PORT, a TCP address. */
    public static SocketAddress address(String adminBind) {
        SocketAddress a;
        try {
            a = BindAddress.parse(adminBind);
        } catch (IllegalArgumentException e) {
            throw new SettingException("admin_bind", "admin_bind: " + e.getMessage());
        }
        if (!(a instanceof InetSocketAddress)) {
            throw new SettingException("admin_bind", "admin_bind: '" + adminBind + "' is not HOST:PORT; the admin listener is TCP, for probes and scrapers");
        }
        return a;
    }

    public static AdminServer start(String adminBind, Supplier<String> metrics, Supplier<Check> live, Supplier<Check> ready)
            throws IOException {
        // Scrapes and probes are few and short: one event loop (not one per CPU: a pod without a CPU limit sees
        // every core of the node), one virtual thread's carrier, a small accept queue.
        ServerOptions options = ServerOptions.from(Config.defaults().with(Settings.WORKER_CLASS, "virtual")
                .with(Settings.IO_THREADS, 1).with(Settings.THREADS, 1).with(Settings.WORKER_CONNECTIONS, 64).with(Settings.KEEPALIVE, 5)
                .with(Settings.TIMEOUT, 0).with(Settings.GRACEFUL_TIMEOUT, 1).with(Settings.BACKLOG, 64));
        JgunicornHttpServer server = new JgunicornHttpServer(options);
        server.createContext("/metrics", ex -> answer(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
        server.createContext("/healthz", ex -> check(ex, live.get()));
        server.createContext("/readyz", ex -> check(ex, ready.get()));
        server.createContext("/", ex -> answer(ex, 404, "text/plain; charset=utf-8", "not found: try /metrics, /healthz or /readyz\n"));
        server.bind((InetSocketAddress) address(adminBind), 64);
        server.start();
        return new AdminServer(server);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void check(HttpExchange ex, Check c) throws IOException {
        answer(ex, c.ok() ? 200 : 503, "text/plain; charset=utf-8", c.reason() + "\n");
    }

    private static void answer(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        if (!head) ex.getResponseBody().write(b);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
