package dev.jgunicorn.server;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A path prefix with its handler, filters, authenticator and attributes, as {@link HttpServer#createContext} makes them. */
final class ContextImpl extends HttpContext {
    private final String path;
    private final HttpServer server;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private volatile HttpHandler handler;
    private volatile Authenticator authenticator;

    ContextImpl(String path, HttpHandler handler, HttpServer server) {
        this.path = path;
        this.handler = handler;
        this.server = server;
    }

    @Override
    public HttpHandler getHandler() {
        return handler;
    }

    @Override
    public void setHandler(HttpHandler h) {
        if (h == null) throw new NullPointerException("handler");
        if (handler != null) throw new IllegalArgumentException("handler already set");
        handler = h;
    }

    @Override
    public String getPath() {
        return path;
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public Map<String, Object> getAttributes() {
        return attributes;
    }

    @Override
    public List<Filter> getFilters() {
        return filters;
    }

    @Override
    public Authenticator setAuthenticator(Authenticator auth) {
        Authenticator old = authenticator;
        authenticator = auth;
        return old;
    }

    @Override
    public Authenticator getAuthenticator() {
        return authenticator;
    }

    /** The authenticator (if any) runs first, then the app's filters, then the handler: the JDK's order. */
    void handle(Exchange exchange) throws IOException {
        HttpHandler h = handler;
        if (h == null) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        Authenticator auth = authenticator;
        if (auth == null && filters.isEmpty()) {
            h.handle(exchange.facade()); // the common case, without a filter chain to walk
            return;
        }
        HttpHandler end = auth == null ? h : ex -> authenticate(auth, exchange, ex, h);
        new Filter.Chain(filters, end).doFilter(exchange.facade());
    }

    private static void authenticate(Authenticator auth, Exchange exchange, HttpExchange seen, HttpHandler next) throws IOException {
        Authenticator.Result r = auth.authenticate(seen);
        if (r instanceof Authenticator.Success s) {
            exchange.setPrincipal(s.getPrincipal());
            next.handle(seen);
        } else if (r instanceof Authenticator.Failure f) {
            seen.sendResponseHeaders(f.getResponseCode(), -1);
        } else if (r instanceof Authenticator.Retry rt) {
            seen.sendResponseHeaders(rt.getResponseCode(), -1);
        } else {
            seen.sendResponseHeaders(500, -1);
        }
    }

    /** JDK matching: a context matches when its path is a prefix of the request path; the longest wins. */
    static ContextImpl match(List<ContextImpl> contexts, String requestPath) {
        ContextImpl best = null;
        for (ContextImpl c : contexts) {
            if (requestPath.startsWith(c.path) && (best == null || c.path.length() > best.path.length())) {
                best = c;
            }
        }
        return best;
    }

}
