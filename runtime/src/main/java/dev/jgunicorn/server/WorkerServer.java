package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.http.FieldRules;
import dev.jgunicorn.http.Http1RequestDecoder;
import dev.jgunicorn.proxy.ProxyProtocolHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One worker's HTTP server: listeners, connections and the app's contexts. Netty does all socket I/O;
 * the {@link WorkerModel} decides which thread runs the handler.
 */
public final class WorkerServer {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private final ServerOptions options;
    private final HttpServer owner;
    private final List<ContextImpl> contexts = new CopyOnWriteArrayList<>();
    private final Set<ClientConnection> connections = ConcurrentHashMap.newKeySet();
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final EventLoopGroup ioGroup;
    private final BodyBudget bodyBudget;
    private final FieldRules fieldRules;
    private final Class<? extends ServerChannel> tcpChannel;
    private volatile Executor executor;
    private volatile Tls tls;
    private volatile String proxyProtocol = "off";
    private volatile List<String> proxyAllowIps = List.of();
    private ExecutorService ownExecutor;
    private volatile boolean draining;
    private volatile boolean recycling;
    private volatile Runnable onRecycle = () -> { };
    private volatile RequestListener requestListener;

    public WorkerServer(ServerOptions options, HttpServer owner) {
        this.options = options;
        this.owner = owner;
        this.bodyBudget = new BodyBudget(options.eventloopBodyBuffer());
        this.fieldRules = new FieldRules(options.parser());
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.tcpChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        // The listeners accept on one of the I/O loops, as a plain Netty server does: accepting is cheap, and a
        // separate accept thread would only add a thread hand-off per connection.
        this.ioGroup = new MultiThreadIoEventLoopGroup(options.eventLoops(), new DefaultThreadFactory("jgunicorn-io"), io);
        log.debug("transport: {}", epoll ? "epoll" : "nio");
    }

    public ServerOptions options() {
        return options;
    }

    /** The memory the eventloop model's buffered request bodies share. */
    BodyBudget bodyBudget() {
        return bodyBudget;
    }

    // ---- app registration ------------------------------------------------------------------------

    public com.sun.net.httpserver.HttpContext createContext(String path, HttpHandler handler) {
        if (path == null || !path.startsWith("/")) throw new IllegalArgumentException("context path must start with '/': " + path);
        for (ContextImpl c : contexts) {
            if (c.getPath().equals(path)) throw new IllegalArgumentException("context already exists: " + path);
        }
        ContextImpl c = new ContextImpl(path, handler, owner);
        contexts.add(c);
        return c;
    }

    public void removeContext(String path) {
        if (!contexts.removeIf(c -> c.getPath().equals(path))) throw new IllegalArgumentException("no context " + path);
    }

    void removeContext(ContextImpl c) {
        if (!contexts.remove(c)) throw new IllegalArgumentException("context not registered here");
    }

    /** Serves TLS on every listener (set before start). */
    public void setTls(Tls tls) {
        this.tls = tls;
    }

    /** Gunicorn's proxy_protocol (off, v1, v2, auto) and proxy_allow_ips: a PROXY header may precede the first request. */
    public void setProxyProtocol(String mode, List<String> allowIps) {
        this.proxyProtocol = mode == null ? "off" : mode;
        this.proxyAllowIps = List.copyOf(allowIps);
    }

    /** An app-supplied executor (HttpServer.setExecutor) replaces the worker model's. */
    public void setExecutor(Executor e) {
        this.executor = e;
    }

    public Executor getExecutor() {
        return executor;
    }

    /** Called when max_requests is reached: the worker stops gracefully so it can be replaced. */
    public void onRecycle(Runnable r) {
        this.onRecycle = r;
    }

    // ---- listening -------------------------------------------------------------------------------

    /** Binds one listener; returns the bound address (with the real port when 0 was asked for). */
    public SocketAddress bind(SocketAddress address, int backlog) throws IOException {
        return bind(address, backlog, false);
    }

    /** With {@code reusePort}, several worker processes bind the same TCP port and the kernel spreads connections. */
    public SocketAddress bind(SocketAddress address, int backlog, boolean reusePort) throws IOException {
        boolean unix = address instanceof DomainSocketAddress;
        if (unix && !Epoll.isAvailable()) throw new IOException("unix sockets need the epoll transport (Linux)");
        if (unix) {
            File f = new File(((DomainSocketAddress) address).path());
            if (f.exists()) f.delete(); // a stale socket file from an earlier run, as Gunicorn removes it
        }
        ServerBootstrap b = bootstrap(unix).channel(unix ? EpollServerDomainSocketChannel.class : tcpChannel);
        if (backlog > 0) b.option(ChannelOption.SO_BACKLOG, backlog);
        if (!unix && reusePort && Epoll.isAvailable()) b.option(EpollChannelOption.SO_REUSEPORT, true);
        try {
            Channel ch = b.bind(address).sync().channel();
            listen(ch);
            return ch.localAddress();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address);
        } catch (Exception e) {
            throw new IOException("cannot bind " + address + ": " + e.getMessage(), e);
        }
    }

    /**
     * Serves a listening socket the master opened and passed over (its descriptor), so restarting or replacing this
     * worker never closes the listener: connections wait in the master's backlog until some worker accepts them.
     */
    public SocketAddress adopt(int fd, boolean unix) throws IOException {
        ServerChannel ch = unix ? new EpollServerDomainSocketChannel(fd, true) : new EpollServerSocketChannel(fd);
        ServerBootstrap b = bootstrap(unix).channelFactory(() -> ch);
        try {
            b.register().sync();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while adopting listener fd " + fd);
        } catch (Exception e) {
            throw new IOException("cannot serve listener fd " + fd + ": " + e.getMessage(), e);
        }
        listen(ch);
        return ch.localAddress();
    }

    private void listen(Channel listener) {
        if (admission == null) admission = listener.eventLoop();
        listener.config().setAutoRead(accepting);
        listeners.add(listener);
    }

    /** Listener options, the accept-side connection cap and the per-connection pipeline. */
    private ServerBootstrap bootstrap(boolean unix) {
        ServerBootstrap b = new ServerBootstrap()
                .group(ioGroup, ioGroup)
                .option(ChannelOption.SO_BACKLOG, options.backlog())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // one accept per read, so the cap pauses accepting exactly at worker_connections
                        if (capsConnections()) ch.config().setMaxMessagesPerRead(1);
                        ch.pipeline().addLast(new AcceptCounter());
                    }
                })
                .childHandler(connectionPipeline());
        if (!unix) {
            b.option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true);
        }
        return b;
    }

    /**
     * Each accepted connection's pipeline: [PROXY header], [TLS], then HTTP/1 (deadline, decoder, the connection) or
     * HTTP/2 (Netty's codec, one handler per stream), as ALPN (over TLS) or the h2c preface (cleartext) decides.
     */
    ChannelInitializer<Channel> connectionPipeline() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                // The PROXY header comes in clear before TLS starts, so it is read first.
                if (!"off".equals(proxyProtocol)) {
                    ch.pipeline().addLast("proxy", new ProxyProtocolHandler(proxyProtocol, proxyAllowIps));
                }
                Tls t = tls;
                if (t != null) {
                    ch.pipeline().addLast("tls", t.newHandler(ch));
                    if (t.negotiatesHttp2()) ch.pipeline().addLast("alpn", new AlpnProtocols(WorkerServer.this));
                    else addHttp1(ch.pipeline());
                } else if (options.http2().priorKnowledge() && fieldRules().trusts(ch.remoteAddress())) {
                    ch.pipeline().addLast("h2c-preface", new H2cPreface(WorkerServer.this));
                } else {
                    addHttp1(ch.pipeline());
                }
            }
        };
    }

    /** HTTP/1 at the end of the pipeline: the deadlines, the decoder and the connection. */
    void addHttp1(ChannelPipeline pipeline) {
        ConnectionDeadline deadline = new ConnectionDeadline(options);
        pipeline.addLast("deadline", deadline);
        pipeline.addLast("decoder", new Http1RequestDecoder(options.parser()));
        pipeline.addLast("connection", new Connection(this, deadline));
    }

    /** The limits and field rules requests are held to, over HTTP/1 and HTTP/2 alike. */
    FieldRules fieldRules() {
        return fieldRules;
    }

    public List<SocketAddress> addresses() {
        List<SocketAddress> out = new ArrayList<>();
        for (Channel c : listeners) out.add(c.localAddress());
        return out;
    }

    /** Starts the handler executor and the request watchdog; listeners already accept. */
    public void start() {
        if (executor == null && options.model() == WorkerModel.VIRTUAL) {
            executor = WorkerModel.VIRTUAL_THREADS;
        } else if (executor == null && options.model() != WorkerModel.EVENTLOOP) {
            ownExecutor = options.model().newPool(options.threads());
            executor = ownExecutor;
        }
        if (!options.timeout().isZero()) {
            ioGroup.next().scheduleAtFixedRate(this::reportSlowRequests, 1, 1, TimeUnit.SECONDS);
        }
        // Each event loop proves it is alive once a second; the heartbeat to the master depends on it.
        for (EventExecutor loop : ioGroup) {
            loop.scheduleAtFixedRate(() -> loopTicks.put(loop, new Tick(Thread.currentThread(), System.nanoTime())),
                    0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Graceful stop: close idle connections, serve what already waits in the listen queue, stop accepting, let
     * requests in flight finish within {@code grace} (their responses carry Connection: close), then close the rest.
     */
    public void stop(Duration grace) {
        stop(grace, true);
    }

    /** As {@link #stop(Duration)}; without {@code drainQueue} the listeners close at once (others keep serving them). */
    public void stop(Duration grace, boolean drainQueue) {
        long deadline = System.nanoTime() + grace.toNanos();
        draining = true;
        for (ClientConnection c : connections) c.drain();
        if (drainQueue) drainAcceptQueue(deadline);
        for (Channel l : listeners) l.close().syncUninterruptibly();
        // Every connection accepted before the listeners closed is counted by now, even one whose registration
        // with its event loop is still queued (it is not in `connections` yet, and shutting the loops down would
        // reset it): wait for all of them.
        while (open.get() > 0 && System.nanoTime() < deadline) pause();
        if (!connections.isEmpty()) {
            log.warn("graceful timeout: closing {} connection(s) with requests still running", connections.size());
            for (ClientConnection c : connections) c.forceClose();
        }
        if (ownExecutor != null) ownExecutor.shutdownNow();
        ioGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Connections the kernel already queued on the listener were promised an answer (Gunicorn #3397): keep
     * accepting, each served with Connection: close, while accepting is paused by worker_connections (a paused
     * queue may still hold clients) or until the queue is empty: the kernel says so for TCP listeners, and a
     * moment without an accept says so for the others. Never longer than half the grace period, so what was
     * accepted last is still served within it.
     *
     * <p>The kernel's count matters when other processes share the listener (the workers of a USR2 upgrade's new
     * master, or of the same master): under steady load this worker keeps accepting its share, a quiet moment
     * never comes, and draining would last the whole grace period and end by cutting the last connections.
     */
    private void drainAcceptQueue(long deadline) {
        long start = System.nanoTime();
        long end = start + (deadline - start) / 2;
        long resumed = start; // a paused listener's queued clients are accepted only once it resumes
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            boolean paused = false;
            for (Channel l : listeners) paused |= !l.config().isAutoRead();
            if (paused) {
                resumed = now;
            } else {
                long since = resumed;
                if (listeners.stream().allMatch(l -> drained(l, since, now))) return;
            }
            pause();
        }
    }

    private static final long DRAIN_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** The kernel shows listener {@code l}'s queue empty (TCP), or it accepted nothing for a moment since {@code since}. */
    private static boolean drained(Channel l, long since, long now) {
        if (l.localAddress() instanceof InetSocketAddress a && ListenQueue.length(a) == 0) return true;
        AcceptCounter counter = l.pipeline().get(AcceptCounter.class);
        long last = counter == null ? since : Math.max(since, counter.lastAccept);
        return now - last > DRAIN_QUIET_NANOS;
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Tick(Thread thread, long nanos) {
    }

    private final Map<EventExecutor, Tick> loopTicks = new ConcurrentHashMap<>();

    /** An event-loop thread that has not run its liveness tick for {@code limit} (a blocked loop), if any. */
    public Optional<Thread> stalledLoop(Duration limit) {
        long now = System.nanoTime();
        for (Tick t : loopTicks.values()) {
            if (now - t.nanos() > limit.toNanos()) return Optional.of(t.thread());
        }
        return Optional.empty();
    }

    // ---- used by connections -------------------------------------------------------------------------

    boolean isDraining() {
        return draining;
    }

    boolean recycling() {
        return recycling;
    }

    /** The context for a request-target; simple origin-form targets are matched without building a URI. */
    ContextImpl contextFor(String target) {
        String path = Uris.path(target);
        // OPTIONS * and authority-form targets have no path: the root context answers them
        if (path == null || !path.startsWith("/")) path = "/";
        ContextImpl c = ContextImpl.match(contexts, path);
        return c != null ? c : NOT_FOUND;
    }

    private final ContextImpl NOT_FOUND = new ContextImpl("/", ex -> {
        ex.sendResponseHeaders(404, -1);
        ex.close();
    }, null);

    void dispatch(Exchange ex) {
        if (options.model() == WorkerModel.EVENTLOOP && executor == null) {
            ex.run();
            return;
        }
        try {
            executor.execute(ex::run);
        } catch (RuntimeException rejected) {
            ex.run(); // an app executor that refuses work: answer on this thread rather than drop the request
        }
    }

    /** Requests this worker has started since it booted. */
    public long requestCount() {
        return requests.get();
    }

    /** Client connections open right now. */
    public int connectionCount() {
        return connections.size();
    }

    /** Requests whose handler runs right now. */
    public int inFlightCount() {
        int n = 0;
        for (ClientConnection c : connections) n += c.running().size();
        return n;
    }

    void requestStarted() {
        long n = requests.incrementAndGet();
        // a connection that made room for new clients may be the one that started it: look again at the cap
        if (accepting && capsConnections() && open.get() >= options.workerConnections()) reconsiderAccepting();
        if (options.maxRequests() > 0 && n >= options.maxRequests() && !recycling) {
            recycling = true;
            log.info("Autorestarting worker after current request.");
            onRecycle.run();
        }
    }

    /** A finished request: the access log line and the metrics. */
    void requestEnded(Exchange ex) {
        AccessLog a = options.accessLog();
        if (a != null) a.log(ex);
        RequestListener l = requestListener;
        if (l != null) {
            l.requestEnded(ex.getRequestMethod(), ex.getResponseCode() < 0 ? 500 : ex.getResponseCode(),
                    System.nanoTime() - ex.startNanos, ex.requestBodyBytes, ex.responseBytes());
        }
    }

    /** Metrics (or anything else) told about each finished request. */
    public void setRequestListener(RequestListener l) {
        this.requestListener = l;
    }

    /** True once a graceful stop began: /readyz turns false so the endpoints stop sending new clients. */
    public boolean isDrainingOrStopped() {
        return draining;
    }

    /** Requests whose handler has run longer than {@code limit} right now. */
    public int requestsRunningLongerThan(Duration limit) {
        long now = System.nanoTime();
        int n = 0;
        for (ClientConnection c : connections) {
            for (Exchange ex : c.running()) if (now - ex.startNanos > limit.toNanos()) n++;
        }
        return n;
    }

    void connectionOpened(ClientConnection c) {
        connections.add(c);
        if (draining) c.drain();
    }

    void connectionClosed(ClientConnection c) {
        connections.remove(c);
    }

    /** A connection now waits for its next request with nothing read: at the cap it can make room for a new one. */
    void connectionWaiting() {
        if (open.get() >= options.workerConnections()) reconsiderAccepting();
    }

    /**
     * Counts connections from the moment they are accepted until they close, on the listener's loop, so a graceful
     * stop knows of every accepted connection, and has the cap reconsidered when one is accepted at it or one
     * closes below it.
     */
    private final class AcceptCounter extends ChannelInboundHandlerAdapter {
        private volatile long lastAccept = System.nanoTime();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            lastAccept = System.nanoTime();
            Channel child = (Channel) msg;
            boolean caps = capsConnections();
            if (open.incrementAndGet() >= options.workerConnections() && caps) reconsiderAccepting();
            child.closeFuture().addListener(f -> {
                if (open.decrementAndGet() < options.workerConnections() && caps && !accepting) reconsiderAccepting();
            });
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * A connection silent for less than this since it opened may have its request on the way (it follows the
     * handshake within a round trip), so it is not closed to make room: closing it for the next client, and that
     * one for the next, would churn real clients instead of serving them.
     */
    static final long SILENT_GRACE = TimeUnit.MILLISECONDS.toNanos(500);

    /** Where worker_connections is decided, so two decisions never race: the first listener's loop. */
    private volatile EventExecutor admission;
    /** A decision is queued and will see every change made before it runs. */
    private final AtomicBoolean decisionQueued = new AtomicBoolean();
    /** Connections chosen to make room that have not closed yet: they no longer count against the cap. */
    private final AtomicInteger leaving = new AtomicInteger();
    /** What the last decision told the listeners. */
    private volatile boolean accepting = true;
    /** A decision due when the oldest silent connection's grace ends (admission loop only). */
    private ScheduledFuture<?> graceCheck;
    /** Connections closed to make room since the last summary, and when it was logged (admission loop only). */
    private int evictedSilent, evictedIdle;
    private long evictionSummaryAt;

    /** Something changed at the cap: decide again, on the admission loop (at once when already there). */
    void reconsiderAccepting() {
        EventExecutor loop = admission;
        if (loop == null || !decisionQueued.compareAndSet(false, true)) return;
        if (loop.inEventLoop()) decideAccepting();
        else loop.execute(this::decideAccepting);
    }

    /**
     * worker_connections for gthread, virtual and eventloop. Past the cap, the connections that have waited
     * longest with nothing in flight are closed to make room (silent ones first, then idle keep-alive ones), as
     * nginx reuses its keep-alive connections. The listeners accept while the worker is below the cap or such a
     * connection exists; otherwise they stop, so new clients wait in the kernel's listen queue (where the backlog
     * gauge sees them) instead of being accepted only to be closed, until a connection closes or starts waiting.
     */
    private void decideAccepting() {
        decisionQueued.set(false);
        long now = System.nanoTime();
        int cap = options.workerConnections();
        while (open.get() - leaving.get() > cap) {
            Connection c = evictable(now);
            if (c == null) break; // every connection is busy: the worker holds a few over the cap until one closes
            leaving.incrementAndGet();
            c.evict();
        }
        boolean room = open.get() - leaving.get() < cap || evictable(now) != null;
        if (room != accepting) {
            accepting = room;
            log.debug(room ? "accepting again" : "worker_connections {} reached with every connection busy or just opened: new clients wait in the listen queue", cap);
            for (Channel l : listeners) l.config().setAutoRead(room);
        }
        if (!room) checkWhenGraceEnds(now);
    }

    /** While paused, decide again when the oldest silent connection's grace ends: it may then make room. */
    private void checkWhenGraceEnds(long now) {
        long oldest = 0;
        for (ClientConnection cc : connections) {
            if (!(cc instanceof Connection c)) continue;
            ConnectionDeadline d = c.deadline();
            long since = d.waitingSince();
            if (since != 0 && d.silent() && !c.evicting() && (oldest == 0 || since - oldest < 0)) oldest = since;
        }
        if (oldest == 0 || (graceCheck != null && !graceCheck.isDone())) return;
        graceCheck = admission.schedule(this::reconsiderAccepting, Math.max(0, oldest + SILENT_GRACE - now), TimeUnit.NANOSECONDS);
    }

    /**
     * The connection to close first for a new one: silent past its grace before idle, then the longest waiting.
     * HTTP/1 connections only: an HTTP/2 connection carries many streams and closes itself after keepalive with none.
     */
    private Connection evictable(long now) {
        Connection best = null;
        boolean bestSilent = false;
        long bestSince = 0;
        for (ClientConnection cc : connections) {
            if (!(cc instanceof Connection c)) continue;
            ConnectionDeadline d = c.deadline();
            long since = d.waitingSince();
            if (since == 0 || c.evicting()) continue;
            boolean silent = d.silent();
            if (silent && now - since < SILENT_GRACE) continue;
            if (best == null || (silent && !bestSilent) || (silent == bestSilent && since - bestSince < 0)) {
                best = c;
                bestSilent = silent;
                bestSince = since;
            }
        }
        return best;
    }

    /**
     * A connection chosen to make room was closed ({@code silent} or idle keep-alive), or began a request first and
     * stays ({@code closed} false). The closings are logged at info at most every 10 s, counted by kind.
     */
    void evicted(boolean closed, boolean silent) {
        EventExecutor loop = admission;
        if (!loop.inEventLoop()) {
            loop.execute(() -> evicted(closed, silent));
            return;
        }
        if (!closed) {
            leaving.decrementAndGet();
            reconsiderAccepting();
            return;
        }
        if (silent) evictedSilent++;
        else evictedIdle++;
        long now = System.nanoTime();
        if (now - evictionSummaryAt >= TimeUnit.SECONDS.toNanos(10)) {
            log.info("worker_connections {} reached: closed {} silent and {} idle keep-alive connection(s) to admit new clients",
                    options.workerConnections(), evictedSilent, evictedIdle);
            evictedSilent = evictedIdle = 0;
            evictionSummaryAt = now;
        }
    }

    /** A connection closed to make room is gone. */
    void evictionClosed() {
        leaving.decrementAndGet();
    }

    /** worker_connections applies to every model that keeps connections open between requests. */
    private boolean capsConnections() {
        return options.model() != WorkerModel.SYNC;
    }

    private void reportSlowRequests() {
        long limit = options.timeout().toNanos();
        long now = System.nanoTime();
        for (ClientConnection c : connections) {
            for (Exchange ex : c.running()) reportIfSlow(ex, limit, now);
        }
    }

    private void reportIfSlow(Exchange ex, long limit, long now) {
        Thread t = ex.thread();
        if (!ex.timeoutReported && t != null && now - ex.startNanos > limit) {
            ex.timeoutReported = true;
            StringBuilder sb = new StringBuilder();
            for (StackTraceElement e : t.getStackTrace()) sb.append("\n\tat ").append(e);
            log.error("WORKER TIMEOUT: {} {} has run for more than {} s on thread {}{}",
                    ex.getRequestMethod(), ex.head().uri(), options.timeout().toSeconds(), t.getName(), sb);
        }
    }
}
