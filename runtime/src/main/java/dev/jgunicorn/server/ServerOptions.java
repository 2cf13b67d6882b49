package dev.jgunicorn.server;

import dev.jgunicorn.http.ParserConfig;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.ValueType;
import io.netty.util.internal.PlatformDependent;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What one worker's server needs, resolved from the settings (or defaults for apps that call HttpServer.create()).
 *
 * @param model             where handlers run
 * @param threads           handler threads for gthread
 * @param workerConnections most open connections (all but sync): at the cap a waiting connection makes room for a
 *                          new one, or the listener pauses accepting while none waits
 * @param keepAlive         idle time allowed between requests on a persistent connection; zero disables keep-alive
 * @param headerTimeout     time to receive a complete request head; zero disables the deadline
 * @param bodyTimeout       longest wait for more of a request body, and its grace before bodyMinRate counts; zero
 *                          disables the body deadline
 * @param bodyMinRate       bytes per second a body must average once bodyTimeout passed; 0 = no rate
 * @param timeout           a request running longer is logged with its thread's stack; zero disables
 * @param gracefulTimeout   how long a graceful stop waits for in-flight requests
 * @param backlog           listen backlog
 * @param parser            what the request decoder enforces
 * @param accessLog         the access log, or null when off
 * @param maxRequests       requests after which the worker asks to be recycled; 0 = never
 * @param ioThreads         Netty event loops (accepting and all socket I/O); 0 = one per CPU
 * @param eventloopMaxBody  largest body in bytes the eventloop model buffers (at most eventloopBodyBuffer)
 * @param eventloopBodyBuffer bytes of bodies the eventloop model holds at once, all connections together
 * @param http2             what HTTP/2 is offered and its limits
 */
public record ServerOptions(WorkerModel model, int threads, int workerConnections, Duration keepAlive,
                            Duration headerTimeout, Duration bodyTimeout, int bodyMinRate, Duration timeout, Duration gracefulTimeout, int backlog,
                            ParserConfig parser, AccessLog accessLog, long maxRequests, int ioThreads,
                            long eventloopMaxBody, long eventloopBodyBuffer, Http2Options http2) {
    private static final long MIB = 1024 * 1024;

    /** What the settings ask for; each call draws max_requests_jitter anew, as each Gunicorn worker does. */
    public static ServerOptions from(Config c) {
        // As in Gunicorn, access lines exist when an access log, a logging config, or syslog (not kept out) asks for them.
        boolean accessLines = c.get(Settings.ACCESSLOG) != null || c.get(Settings.LOGCONFIG) != null
                || (c.get(Settings.SYSLOG) && !c.get(Settings.DISABLE_REDIRECT_ACCESS_TO_SYSLOG));
        long maxRequests = c.get(Settings.MAX_REQUESTS);
        if (maxRequests > 0 && c.get(Settings.MAX_REQUESTS_JITTER) > 0) {
            maxRequests += ThreadLocalRandom.current().nextInt(c.get(Settings.MAX_REQUESTS_JITTER) + 1);
        }
        int bufferMib = c.get(Settings.EVENTLOOP_BODY_BUFFER);
        long bodyBuffer = bufferMib == ValueType.IntOrAuto.AUTO ? autoBodyBuffer() : bufferMib * MIB;
        long maxBody = Math.min(c.get(Settings.EVENTLOOP_MAX_BODY) * MIB, bodyBuffer);
        return new ServerOptions(WorkerModel.of(c), c.get(Settings.THREADS), c.get(Settings.WORKER_CONNECTIONS),
                Duration.ofSeconds(c.get(Settings.KEEPALIVE)), Duration.ofSeconds(c.get(Settings.HEADER_TIMEOUT)),
                Duration.ofSeconds(c.get(Settings.BODY_TIMEOUT)), c.get(Settings.BODY_MIN_RATE),
                Duration.ofSeconds(c.get(Settings.TIMEOUT)), Duration.ofSeconds(c.get(Settings.GRACEFUL_TIMEOUT)),
                c.get(Settings.BACKLOG), ParserConfig.from(c),
                accessLines ? new AccessLog(c.get(Settings.ACCESS_LOG_FORMAT)) : null, maxRequests,
                c.get(Settings.IO_THREADS), maxBody, bodyBuffer, Http2Options.from(c));
    }

    /**
     * Half of Netty's direct memory limit (-XX:MaxDirectMemorySize, else the heap's maximum), where socket reads
     * land: the other half is left for reads in flight, responses and the allocator's pooling slack.
     */
    private static long autoBodyBuffer() {
        return Math.max(MIB, PlatformDependent.maxDirectMemory() / 2);
    }

    /** The settings' defaults, except the model: an app that creates its own HttpServer gets virtual threads. */
    public static ServerOptions defaults() {
        return from(Config.defaults().with(Settings.WORKER_CLASS, "virtual"));
    }

    /** The number of event loops to start. */
    public int eventLoops() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }
}
