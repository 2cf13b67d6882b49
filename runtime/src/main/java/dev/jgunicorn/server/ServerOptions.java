package dev.jgunicorn.server;

import dev.jgunicorn.http.ParserConfig;

import java.time.Duration;

/**
 * What one worker's server needs, resolved from the settings (or defaults for apps that call HttpServer.create()).
 *
 * @param model             where handlers run
 * @param threads           handler threads for gthread
 * @param workerConnections most open connections (gthread, virtual); the listener pauses accepting at the cap
 * @param keepAlive         idle time allowed between requests on a persistent connection; zero disables keep-alive
 * @param headerTimeout     time to receive a complete request head; zero disables the deadline
 * @param timeout           a request running longer is logged with its thread's stack; zero disables
 * @param gracefulTimeout   how long a graceful stop waits for in-flight requests
 * @param backlog           listen backlog
 * @param parser            what the request decoder enforces
 * @param accessLog         the access log, or null when off
 * @param maxRequests       requests after which the worker asks to be recycled; 0 = never
 * @param ioThreads         Netty event loops (accepting and all socket I/O); 0 = one per CPU
 */
public record ServerOptions(WorkerModel model, int threads, int workerConnections, Duration keepAlive,
                            Duration headerTimeout, Duration timeout, Duration gracefulTimeout, int backlog,
                            ParserConfig parser, AccessLog accessLog, long maxRequests, int ioThreads) {

    public ServerOptions(WorkerModel model, int threads, int workerConnections, Duration keepAlive,
                         Duration headerTimeout, Duration timeout, Duration gracefulTimeout, int backlog,
                         ParserConfig parser, AccessLog accessLog, long maxRequests) {
        this(model, threads, workerConnections, keepAlive, headerTimeout, timeout, gracefulTimeout, backlog, parser,
                accessLog, maxRequests, 0);
    }

    /** Gunicorn's defaults, except the model: an app that creates its own HttpServer gets virtual threads. */
    public static ServerOptions defaults() {
        return new ServerOptions(WorkerModel.VIRTUAL, 1, 1000, Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(30), Duration.ofSeconds(30), 2048, ParserConfig.defaults(), null, 0);
    }

    /** The number of event loops to start. */
    public int eventLoops() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }

    public ServerOptions withModel(WorkerModel m) {
        return new ServerOptions(m, threads, workerConnections, keepAlive, headerTimeout, timeout, gracefulTimeout,
                backlog, parser, accessLog, maxRequests, ioThreads);
    }
}
