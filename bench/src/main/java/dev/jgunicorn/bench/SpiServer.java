package dev.jgunicorn.bench;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * Serves {@link BenchApp} through an {@code HttpServerProvider} chosen by name, the way an app that calls
 * {@code HttpServer.create()} runs on it:
 * <pre>
 *   java -Dsun.net.httpserver.maxIdleConnections=1024 -cp CP dev.jgunicorn.bench.SpiServer jdk 8000 fixed:4
 *   java -cp CP dev.jgunicorn.bench.SpiServer jetty 8000 default
 * </pre>
 * Providers: {@code jdk} (the JDK's built-in sun.net.httpserver), {@code jetty} (Jetty 12's jetty-http-spi),
 * {@code jetty-h2c} (the same with Jetty's h2c, for the HTTP/2 rows),
 * {@code robaho} (robaho/httpserver, the fastest drop-in provider we know of).
 * Executors: {@code fixed:N} (a pool of N platform threads), {@code virtual} (a virtual thread per request),
 * {@code default} (the provider's own: the JDK's dispatcher thread, Jetty's QueuedThreadPool).
 * Prints {@code ready PORT PROVIDER-CLASS} once it accepts; stops on TERM.
 */
public final class SpiServer {
    public static final String JDK = "sun.net.httpserver.DefaultHttpServerProvider";

    private SpiServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: SpiServer jdk|jetty|jetty-h2c|robaho PORT fixed:N|virtual|default");
            System.exit(2);
        }
        HttpServer server = start(args[0], Integer.parseInt(args[1]), args[2]);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
        System.out.println("ready " + server.getAddress().getPort() + " " + server.getClass().getName());
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Binds 127.0.0.1:port (0 = any free port) and starts serving BenchApp at "/". */
    public static HttpServer start(String provider, int port, String executor) throws IOException {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        HttpServer server;
        if (provider.equals("jetty-h2c")) {
            server = jettyH2c();
            server.bind(address, 1024);
        } else {
            server = provider(provider).createHttpServer(address, 1024);
        }
        server.createContext("/", new BenchApp());
        Executor e = executor(executor);
        if (e != null) server.setExecutor(e);
        server.start();
        return server;
    }

    /**
     * Jetty's http-spi server as its provider makes it (a new Server with its QueuedThreadPool), with h2c added to
     * its connector: a connection that opens with the HTTP/2 preface is HTTP/2 (prior knowledge), others HTTP/1.1.
     */
    static HttpServer jettyH2c() {
        org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server(
                new org.eclipse.jetty.http.spi.DelegatingThreadPool(new org.eclipse.jetty.util.thread.QueuedThreadPool()));
        jetty.setHandler(new org.eclipse.jetty.server.handler.ContextHandlerCollection(false));
        return new org.eclipse.jetty.http.spi.JettyHttpServer(jetty, false) {
            @Override
            public void start() {
                for (org.eclipse.jetty.server.Connector c : getServer().getConnectors()) {
                    ((org.eclipse.jetty.server.AbstractConnector) c).addConnectionFactory(
                            new org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory(getHttpConfiguration()));
                }
                super.start();
            }
        };
    }

    static HttpServerProvider provider(String name) {
        return switch (name) {
            case "jetty" -> new org.eclipse.jetty.http.spi.JettyHttpServerProvider();
            case "robaho" -> new robaho.net.httpserver.DefaultHttpServerProvider();
            case "jdk" -> {
                // The class path also holds jgunicorn's provider (META-INF/services), and the JDK's own class is not
                // exported: the system property picks it (read once, by the first HttpServerProvider.provider()).
                System.setProperty("com.sun.net.httpserver.HttpServerProvider", JDK);
                HttpServerProvider p = HttpServerProvider.provider();
                if (!p.getClass().getName().equals(JDK)) throw new IllegalStateException("provider already chosen: " + p);
                yield p;
            }
            default -> throw new IllegalArgumentException("provider must be jdk, jetty or robaho: " + name);
        };
    }

    static Executor executor(String spec) {
        if (spec.equals("default")) return null;
        if (spec.equals("virtual")) return Executors.newVirtualThreadPerTaskExecutor();
        if (spec.startsWith("fixed:")) return Executors.newFixedThreadPool(Integer.parseInt(spec.substring(6)));
        throw new IllegalArgumentException("executor must be fixed:N, virtual or default: " + spec);
    }
}
