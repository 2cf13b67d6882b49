package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The JDK {@link HttpsServer} API on jgunicorn: a {@link JgunicornHttpServer} whose listeners speak TLS with the
 * configurator's SSLContext; handlers receive {@link com.sun.net.httpserver.HttpsExchange}s.
 */
public final class JgunicornHttpsServer extends HttpsServer {
    private final JgunicornHttpServer server;
    private volatile HttpsConfigurator configurator;

    public JgunicornHttpsServer(ServerOptions options) {
        this.server = new JgunicornHttpServer(options, this);
    }

    @Override
    public void setHttpsConfigurator(HttpsConfigurator config) {
        if (config == null) throw new NullPointerException("config");
        this.configurator = config;
        server.worker().setTls(Tls.fromConfigurator(config));
    }

    @Override
    public HttpsConfigurator getHttpsConfigurator() {
        return configurator;
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        server.bind(addr, backlog);
    }

    /** Like the JDK's HttpsServer, starting without a configurator is an error: there is no certificate to serve. */
    @Override
    public void start() {
        if (configurator == null) throw new IllegalStateException("HttpsConfigurator not set");
        server.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        server.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return server.getExecutor();
    }

    @Override
    public void stop(int delay) {
        server.stop(delay);
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return server.createContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return server.createContext(path);
    }

    @Override
    public void removeContext(String path) {
        server.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        server.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return server.getAddress();
    }
}
