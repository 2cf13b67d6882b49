package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import dev.jgunicorn.server.JgunicornHttpServer;
import dev.jgunicorn.server.ServerOptions;
import dev.jgunicorn.server.WorkerModel;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The two servers an app is compared on: the JDK's own (sun.net.httpserver, not the provider HttpServer.create()
 * finds on this class path, which is jgunicorn's) and a jgunicorn worker of one worker class, both on 127.0.0.1.
 */
final class Servers {
    private Servers() {
    }

    static final HttpServerProvider JDK = jdkProvider();

    /** jgunicorn's server with the settings' defaults and this worker class, as a provider for apps that take one. */
    static HttpServerProvider jgunicorn(WorkerModel model) {
        ServerOptions options = ServerOptions.from(Config.defaults().with(Settings.WORKER_CLASS, model.settingValue));
        return new HttpServerProvider() {
            @Override
            public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
                JgunicornHttpServer s = new JgunicornHttpServer(options);
                if (addr != null) s.bind(addr, backlog);
                return s;
            }

            @Override
            public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) {
                throw new UnsupportedOperationException("the suite compares plain HTTP");
            }
        };
    }

    /** A started server of this provider with {@code app} at "/" on an ephemeral loopback port. */
    static HttpServer start(HttpServerProvider provider, HttpHandler app) throws IOException {
        HttpServer s = provider.createHttpServer(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", app);
        s.start();
        return s;
    }

    private static HttpServerProvider jdkProvider() {
        try {
            return (HttpServerProvider) Class.forName("sun.net.httpserver.DefaultHttpServerProvider")
                    .getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("surefire's argLine exports jdk.httpserver/sun.net.httpserver", e);
        }
    }
}
