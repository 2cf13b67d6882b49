package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The JDK {@link HttpServer} API backed by a jgunicorn worker, returned by {@code HttpServer.create()} when
 * jgunicorn's provider is on the class path. Handlers run on virtual threads unless the app sets an executor.
 */
public final class JgunicornHttpServer extends HttpServer {
    private final WorkerServer worker;
    private volatile InetSocketAddress address;
    private volatile boolean started;

    public JgunicornHttpServer(ServerOptions options) {
        this.worker = new WorkerServer(options, this);
    }

    /** For {@link JgunicornHttpsServer}: contexts report {@code owner} as their server. */
    JgunicornHttpServer(ServerOptions options, HttpServer owner) {
        this.worker = new WorkerServer(options, owner);
    }

    /** The worker behind this server, for the jgunicorn command's own setup. */
    public WorkerServer worker() {
        return worker;
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        if (address != null) throw new java.net.BindException("server already bound");
        SocketAddress bound = worker.bind(addr, backlog);
        address = (InetSocketAddress) bound;
    }

    @Override
    public void start() {
        if (worker.addresses().isEmpty()) throw new IllegalStateException("server is not bound");
        if (started) throw new IllegalStateException("server already started");
        started = true;
        worker.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        if (started) throw new IllegalStateException("server already started");
        worker.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return worker.getExecutor();
    }

    /** Stops accepting, waits up to {@code delay} seconds for exchanges in flight, then closes everything. */
    @Override
    public void stop(int delay) {
        if (delay < 0) throw new IllegalArgumentException("negative delay");
        worker.stop(Duration.ofSeconds(delay));
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        if (handler == null) throw new NullPointerException("handler");
        return worker.createContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return worker.createContext(path, null);
    }

    @Override
    public void removeContext(String path) {
        worker.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        if (!(context instanceof ContextImpl c)) throw new IllegalArgumentException("not a context of this server");
        worker.removeContext(c);
    }

    @Override
    public InetSocketAddress getAddress() {
        if (address != null) return address;
        for (SocketAddress a : worker.addresses()) {
            if (a instanceof InetSocketAddress i) return i;
        }
        return null;
    }
}
