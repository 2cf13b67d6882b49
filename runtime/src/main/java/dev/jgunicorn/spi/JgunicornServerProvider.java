package dev.jgunicorn.spi;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import dev.jgunicorn.server.JgunicornHttpServer;
import dev.jgunicorn.server.JgunicornHttpsServer;
import dev.jgunicorn.server.ServerOptions;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Registered in META-INF/services: with jgunicorn on the class path, {@code HttpServer.create()} returns a
 * Netty-backed jgunicorn server, so apps written against the JDK's server run unchanged.
 */
public final class JgunicornServerProvider extends HttpServerProvider {

    @Override
    public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
        JgunicornHttpServer s = new JgunicornHttpServer(ServerOptions.defaults());
        if (addr != null) s.bind(addr, backlog);
        return s;
    }

    @Override
    public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) throws IOException {
        JgunicornHttpsServer s = new JgunicornHttpsServer(ServerOptions.defaults());
        if (addr != null) s.bind(addr, backlog);
        return s;
    }
}
