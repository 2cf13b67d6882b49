package dev.jgunicorn.server;

import com.sun.net.httpserver.Headers;
import dev.jgunicorn.http.BodyChunk;
import dev.jgunicorn.http.BodyEnd;
import dev.jgunicorn.http.Http1RequestDecoder;
import dev.jgunicorn.http.ErrorPage;
import dev.jgunicorn.http.RequestError;
import dev.jgunicorn.http.RequestHead;
import dev.jgunicorn.http.ResponseHead;
import dev.jgunicorn.proxy.ProxyProtocolHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: takes decoded requests from {@link dev.jgunicorn.http.Http1RequestDecoder}, runs them one
 * at a time in arrival order (pipelined requests wait their turn, with socket reads paused), answers 100-continue
 * when the app starts reading a body, keeps the connection alive between requests, and pauses socket reads while
 * the app is behind. {@link ConnectionDeadline}, in front of the decoder, keeps its deadlines; {@link WriteGate}
 * holds an app thread while the client is behind. All state here is touched on the channel's event loop only.
 */
final class Connection extends ChannelInboundHandlerAdapter implements ExchangeTransport, ClientConnection {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    /** Unread request body a keep-alive connection will discard after the response before giving up and closing. */
    private static final long MAX_DRAIN = 1024 * 1024;
    static final RequestError BODY_TOO_SLOW = new RequestError(408, "Request Timeout",
            "request body not received in time (body_timeout, body_min_rate)", true);

    private final WorkerServer server;
    private final ServerOptions options;
    private final ConnectionDeadline deadline;
    /** The event-loop model hands the handler a complete body; larger bodies are refused with 413. */
    private final RequestError tooLargeForEventloop;
    private Channel channel;
    private SslHandler tls;
    private Http1RequestDecoder decoder;
    private WriteGate writeGate;

    private Exchange current;
    /** The exchange whose handler runs or may run now, for the timeout watchdog and the in-flight gauge. */
    private volatile Exchange running;
    private boolean currentBodyEnded;
    /** A request without a body is complete at its head; the decoder's empty BodyEnd that follows is skipped. */
    private boolean endPending;
    private boolean dispatchOnEnd;
    private long drained = -1; // >= 0 while discarding the rest of a finished exchange's body
    private ArrayDeque<Object> backlog = new ArrayDeque<>();
    private boolean closing;
    /** Chosen to make room at worker_connections; see {@link #evict}. */
    private volatile boolean evicting;
    private int served;
    private ResponseHead.Scratch headScratch;
    /** Bytes of the worker's body budget the current request holds (eventloop model). */
    private long reserved;
    /** Set while the current request waits, unread, for room in the body budget. */
    private BodyBudget.Waiter budgetWaiter;

    Connection(WorkerServer server, ConnectionDeadline deadline) {
        this.server = server;
        this.options = server.options();
        this.deadline = deadline;
        this.tooLargeForEventloop = new RequestError(413, "Content Too Large", "the eventloop worker buffers bodies up to "
                + options.eventloopMaxBody() + " bytes (eventloop_max_body)", true);
    }

    // ---- Netty events ----------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) start(ctx); // added after ALPN or the h2c preface check chose HTTP/1
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (channel != null) return;
        channel = ctx.channel();
        tls = ctx.pipeline().get(SslHandler.class); // looked up once, not per request
        decoder = ctx.pipeline().get(Http1RequestDecoder.class);
        writeGate = new WriteGate(channel);
        server.connectionOpened(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        route(msg);
        updateAutoRead();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        releaseBudget();
        Exchange ex = current;
        if (ex != null) {
            ex.body().fail(new IOException("client closed the connection"));
            ended(ex);
            if (!ex.headersSent() || dispatchOnEnd) ex.discard();
        }
        for (Object o : backlog) ReferenceCountUtil.release(o);
        backlog.clear();
        server.connectionClosed(this);
        writeGate.open();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        writeGate.open();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof OutOfMemoryError) {
            log.warn("closing {}: {}; lower --eventloop-body-buffer or raise the worker's direct memory"
                    + " (--jvm-arg=-XX:MaxDirectMemorySize=...)", channel.remoteAddress(), cause.toString());
        }
        log.debug("connection error from {}: {}", channel.remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ConnectionDeadline.Expired.SILENT) {
            log.debug("closing {}: no byte since the connection opened", ip());
            channel.close(); // it asked nothing, so nothing is answered, as Gunicorn closes a silent connection
        } else if (evt == ConnectionDeadline.Expired.HEAD) {
            log.debug("closing {}: no complete request head within {}", ip(), options.headerTimeout());
            closing = true;
            channel.writeAndFlush(ErrorPage.render(channel.alloc(), 408, "Request Timeout", "request head not received in time", false))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (evt == ConnectionDeadline.Expired.IDLE) {
            channel.close();
        } else if (evt == ConnectionDeadline.Expired.BODY) {
            bodyTooSlow();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    // ---- request flow ------------------------------------------------------------------------------

    private void route(Object msg) {
        if (endPending && msg instanceof BodyEnd) {
            endPending = false;
            return;
        }
        if (drained >= 0) {
            discardRest(msg);
            return;
        }
        if (current == null) {
            if (msg instanceof RequestHead head) start(head);
            else if (msg instanceof RequestError err) refuse(null, err);
            else ReferenceCountUtil.release(msg);
        } else if (!currentBodyEnded) {
            feedBody(msg);
        } else {
            backlog.add(msg); // a pipelined request waits until the current response is done
        }
    }

    private void start(RequestHead head) {
        if (upgradeToHttp2(head)) return;
        deadline.clear();
        served++;
        server.requestStarted();
        Exchange ex = new Exchange(this, head, server.contextFor(head.uri()), newBody(head), tlsSession());
        current = ex;
        currentBodyEnded = !head.hasBody();
        endPending = !head.hasBody();
        dispatchOnEnd = options.model() == WorkerModel.EVENTLOOP && head.hasBody();
        if (dispatchOnEnd && !head.chunked() && head.contentLength() > options.eventloopMaxBody()) {
            refuse(ex, tooLargeForEventloop);
            return;
        }
        if (dispatchOnEnd && !reserveBody(head)) return; // read on once the budget has room
        awaitBody(head);
    }

    /**
     * {@code Upgrade: h2c} (RFC 7540 §3.2), when http2_cleartext allows it and the peer is in forwarded_allow_ips:
     * answers 101 and hands the connection to HTTP/2, where this request becomes stream 1. As in Gunicorn, a request
     * that is not a well-formed upgrade simply goes on over HTTP/1; so does one with a body (jgunicorn's choice: the
     * body would have to be buffered whole before the switch).
     */
    private boolean upgradeToHttp2(RequestHead head) {
        if (tls != null || !options.http2().upgrade() || head.hasBody() || head.minor() < 1) return false;
        Http2Settings settings = H2cUpgrade.settings(head);
        if (settings == null || !server.fieldRules().trusts(channel.remoteAddress())) return false;
        channel.writeAndFlush(Unpooled.wrappedBuffer(SWITCHING_PROTOCOLS));
        ChannelPipeline p = channel.pipeline();
        try {
            Http2Connection.upgrade(p, server, H2cUpgrade.asHttp2(head), settings);
        } catch (Exception e) {
            log.debug("h2c upgrade from {} failed: {}", ip(), e.toString());
            channel.close();
            return true;
        }
        closing = true; // what the decoder still emits belongs to HTTP/2 now
        server.connectionClosed(this);
        p.remove(deadline);
        p.remove(this);
        p.remove(Http1RequestDecoder.class); // its unread bytes (the client's preface) go on to the HTTP/2 codec
        return true;
    }

    private static final byte[] SWITCHING_PROTOCOLS = ("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
            + "Upgrade: h2c\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    /** The request's body may come now: its deadline starts, and the handler runs or the body is asked for. */
    private void awaitBody(RequestHead head) {
        // A client that expects 100 Continue owes its body once asked for it (or once it sends it anyway).
        if (head.hasBody() && (dispatchOnEnd || !head.expectContinue())) deadline.awaitBody();
        if (!dispatchOnEnd) dispatch(current);
        else if (head.expectContinue()) sendContinue(); // the server reads the body for the app: ask for it now
    }

    /**
     * Reserves the eventloop model's whole body (its length, or the most a chunked one may reach) in the worker's
     * budget, or queues for it: the connection is not read meanwhile, so many uploads wait their turn in socket
     * buffers instead of exhausting memory, and the body deadline does not run.
     */
    private boolean reserveBody(RequestHead head) {
        return reserveBody(head, head.chunked() ? options.eventloopMaxBody() : head.contentLength(), false);
    }

    /** {@code resumed}: the body's reservation was given back for others and is taken again (its body was asked for). */
    private boolean reserveBody(RequestHead head, long bytes, boolean resumed) {
        BodyBudget.Waiter waiter = new BodyBudget.Waiter() {
            @Override
            public void granted() {
                channel.eventLoop().execute(() -> budgetGranted(this, bytes, head, resumed));
            }
        };
        if (server.bodyBudget().reserve(bytes, waiter)) {
            holdBudget(head, bytes);
            return true;
        }
        budgetWaiter = waiter;
        return false;
    }

    private void budgetGranted(BodyBudget.Waiter waiter, long bytes, RequestHead head, boolean resumed) {
        if (budgetWaiter != waiter) { // the connection closed since: the grant goes back
            server.bodyBudget().release(bytes);
            return;
        }
        budgetWaiter = null;
        holdBudget(head, bytes);
        if (!resumed) awaitBody(head);
        updateAutoRead();
    }

    /**
     * How long a body may hold its reservation with none of it received while other bodies wait for room. A client
     * sends its body right after the head (or after 100 Continue); one that declares a large body and sends nothing
     * would otherwise keep every honest upload out until body_timeout.
     */
    private static final long BUDGET_UNUSED_MS = 2_000;

    private void holdBudget(RequestHead head, long bytes) {
        reserved = bytes;
        Exchange ex = current;
        channel.eventLoop().schedule(() -> yieldUnusedBudget(ex, head), BUDGET_UNUSED_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * A body still not begun after {@link #BUDGET_UNUSED_MS} gives its reservation to the bodies waiting and queues
     * again behind them, unread; its body clock stops meanwhile, as for any body the server does not read. One that
     * has begun keeps its reservation: its bytes are in memory, and taking back the rest could leave every holder
     * waiting on the others.
     */
    private void yieldUnusedBudget(Exchange ex, RequestHead head) {
        if (ex != current || reserved == 0 || closing || ex.requestBodyBytes > 0) return;
        if (!server.bodyBudget().hasWaiters()) {
            holdBudget(head, reserved); // look again later
            return;
        }
        long bytes = reserved;
        log.debug("{} sent none of its {}-byte body in {} ms while others wait for the body buffer: it queues again",
                ip(), bytes, BUDGET_UNUSED_MS);
        releaseBudget();
        reserveBody(head, bytes, true);
        updateAutoRead();
    }

    /** Gives back the current request's share of the body budget, or its place in the queue; idempotent. */
    private void releaseBudget() {
        if (budgetWaiter != null) {
            server.bodyBudget().cancel(budgetWaiter); // already granted: budgetGranted sees it is stale and releases
            budgetWaiter = null;
        }
        long bytes = reserved;
        reserved = 0;
        server.bodyBudget().release(bytes);
    }

    /**
     * The body deadline passed: the app's read of the body throws, and the client gets 408 unless the app's
     * response already started, in which case closing is the only honest end. The rest of an answered request's
     * body being discarded just closes.
     */
    private void bodyTooSlow() {
        Exchange ex = current;
        if (ex == null) {
            log.debug("closing {}: the rest of a request body not received in time", ip());
            channel.close();
            return;
        }
        ex.bodyError = BODY_TOO_SLOW;
        currentBodyEnded = true;
        ex.body().fail(new IOException(BODY_TOO_SLOW.message()));
        if (!ex.claimAnswer()) {
            log.warn("Closing connection from ip={}: {}, after its response started", ip(), BODY_TOO_SLOW.message());
            closing = true;
            channel.close();
            return;
        }
        ended(ex);
        current = null;
        ex.discard();
        refuse(ex, BODY_TOO_SLOW);
    }

    private RequestBodyStream newBody(RequestHead head) {
        if (!head.hasBody()) return RequestBodyStream.empty();
        return new RequestBodyStream(new RequestBodyStream.Demand() {
            @Override
            public void resume() {
                channel.eventLoop().execute(Connection.this::updateAutoRead);
            }

            @Override
            public void firstRead() {
                if (head.expectContinue() && options.model() != WorkerModel.EVENTLOOP) {
                    channel.eventLoop().execute(() -> {
                        sendContinue();
                        if (!currentBodyEnded && !closing) deadline.awaitBody();
                    });
                }
            }
        });
    }

    private void sendContinue() {
        channel.writeAndFlush(Unpooled.wrappedBuffer(CONTINUE));
    }

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private void feedBody(Object msg) {
        Exchange ex = current;
        if (msg instanceof BodyChunk chunk) {
            if (dispatchOnEnd && ex.body().available() + chunk.content().readableBytes() > options.eventloopMaxBody()) {
                chunk.release();
                current = null;
                ex.discard();
                refuse(ex, tooLargeForEventloop);
                return;
            }
            int bytes = chunk.content().readableBytes();
            ex.requestBodyBytes += bytes;
            if (budgetWaiter == null) { // bytes read before the pause count once the body's turn comes
                deadline.awaitBody(); // a client expecting 100 Continue may send its body without waiting for it
                deadline.bodyReceived(bytes);
            }
            ex.body().offer(chunk.content());
        } else if (msg instanceof BodyEnd) {
            currentBodyEnded = true;
            deadline.clear();
            ex.body().end();
            if (dispatchOnEnd) dispatch(ex);
        } else if (msg instanceof RequestError err) {
            // The body broke framing (bad chunk, forbidden trailer): the app sees an IOException while reading.
            ex.bodyError = err;
            currentBodyEnded = true;
            closing = true;
            ex.body().fail(new IOException("invalid request body: " + err.message()));
            if (dispatchOnEnd) {
                current = null;
                ex.discard();
                closing = false;
                refuse(ex, err);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void discardRest(Object msg) {
        if (msg instanceof BodyChunk chunk) {
            drained += chunk.content().readableBytes();
            deadline.bodyReceived(chunk.content().readableBytes());
            chunk.release();
            if (drained > MAX_DRAIN) channel.close();
        } else if (msg instanceof BodyEnd) {
            drained = -1;
            deadline.clear();
            next();
        } else {
            ReferenceCountUtil.release(msg);
            channel.close();
        }
    }

    /** Runs the exchange's handler on the worker model's thread. */
    private void dispatch(Exchange ex) {
        running = ex;
        server.dispatch(ex);
    }

    /** Writes (and maybe flushes) one message of a response still being written (called from any thread). */
    void send(ByteBuf msg, boolean flush) {
        if (msg == null) channel.flush();
        else if (flush) channel.writeAndFlush(msg, channel.voidPromise());
        else channel.write(msg, channel.voidPromise());
    }

    /**
     * Writes a response's last message, flushes and completes the exchange: at once on the event loop (the
     * eventloop model), else as one task for the loop, so a response from an app thread crosses threads once.
     */
    void sendLast(Exchange ex, ByteBuf msg) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) lastWritten(ex, msg);
        else loop.execute(() -> lastWritten(ex, msg));
    }

    private void lastWritten(Exchange ex, ByteBuf msg) {
        if (msg != null) channel.write(msg, channel.voidPromise());
        channel.flush();
        completed(ex);
    }

    /** The exchange's handler is done with the connection (its response complete, or it failed). */
    private void ended(Exchange ex) {
        if (running == ex) running = null;
    }

    @Override
    public Collection<Exchange> running() {
        Exchange ex = running;
        return ex == null ? List.of() : List.of(ex);
    }

    private void completed(Exchange ex) {
        if (ex != current) return;
        ended(ex);
        server.requestEnded(ex);
        current = null;
        releaseBudget();
        if (!((Http1Response) ex.response()).keepAlive() || closing || !channel.isActive()) {
            closeAfterFlush();
            return;
        }
        if (!currentBodyEnded) {
            ex.body().releaseAll();
            drained = 0;
            deadline.awaitBody(); // the rest of the body must still come in time, or the connection closes
            return;
        }
        ex.body().releaseAll();
        next();
    }

    /** Starts the next pipelined request, or waits idle for one. */
    private void next() {
        if (server.isDraining()) {
            closeAfterFlush();
            return;
        }
        if (!backlog.isEmpty()) { // a fresh queue for what routing the queued messages defers again
            ArrayDeque<Object> queued = backlog;
            backlog = new ArrayDeque<>();
            for (Object o : queued) {
                if (closing) ReferenceCountUtil.release(o);
                else route(o);
            }
        }
        if (current == null && !closing) {
            if (decoder.betweenRequests()) {
                deadline.awaitNextRequest();
                server.connectionWaiting();
            } else {
                deadline.awaitRestOfHead();
            }
        }
        updateAutoRead();
    }

    /**
     * Answers a request that broke the rules (or whose handler failed) and closes the connection. A request whose
     * head was read ({@code ex} not null) gets its access-log line, with the error's status, as in Gunicorn.
     */
    private void refuse(Exchange ex, RequestError err) {
        closing = true;
        deadline.clear();
        releaseBudget();
        if (!err.respond()) { // the client is gone: nobody to answer, nothing it did wrong
            log.debug("Closing connection from ip={}: {}", ip(), err.message());
            channel.close();
            return;
        }
        if (err.status() != 500) log.warn("Invalid request from ip={}: {}", ip(), err.message());
        ByteBuf page = ErrorPage.render(channel.alloc(), err.status(), err.reason(), err.message(),
                ex != null && ex.head().method().equals("HEAD"));
        if (ex != null) {
            ex.refused(err.status(), page.readableBytes());
            server.requestEnded(ex);
        }
        channel.writeAndFlush(page).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void appFailed(Exchange ex, Throwable t) {
        RequestError bodyError = ex.bodyError;
        if (bodyError != null) {
            // the request body broke framing: refused below with its own status
        } else if (t instanceof IOException && !channel.isActive()) {
            log.debug("Ignoring EPIPE: the client of {} closed the connection before the response was written", ex.head().uri());
        } else {
            log.error("Error handling request {}", ex.head().uri(), t);
        }
        channel.eventLoop().execute(() -> {
            if (ex != current) return;
            ended(ex);
            current = null;
            ex.discard();
            if (ex.headersSent()) {
                channel.close(); // the response is half-written: closing is the only honest end
            } else if (bodyError != null) {
                refuse(ex, bodyError);
            } else if (!channel.isActive()) {
                channel.close(); // the client is gone: nobody to answer
            } else {
                refuse(ex, new RequestError(500, "Internal Server Error", "", true));
            }
        });
    }

    @Override
    public void abort(String why) {
        log.debug("aborting connection from {}: {}", ip(), why);
        channel.close();
    }

    /**
     * Graceful stop: closes a keep-alive connection that waits between requests; a busy one finishes its request
     * first, and one accepted but not yet read gets its first request served (with Connection: close), since its
     * client may already have sent it and closing now would reset it.
     */
    @Override
    public void drain() {
        channel.eventLoop().execute(() -> {
            if (current == null && served > 0 && backlog.isEmpty()) channel.close();
        });
    }

    /**
     * Closes this connection to admit a new one at worker_connections (called on the admission loop), unless it has
     * begun a request since it was chosen: a request being read or run is never cut for this.
     */
    void evict() {
        evicting = true;
        channel.eventLoop().execute(() -> {
            boolean silent = deadline.silent();
            if (closing || deadline.waitingSince() == 0) {
                evicting = false;
                server.evicted(false, silent);
                return;
            }
            log.debug("closing {} connection from {} to admit a new one (worker_connections {} reached)",
                    silent ? "silent" : "idle keep-alive", ip(), options.workerConnections());
            closing = true;
            deadline.clear();
            channel.close().addListener(f -> server.evictionClosed());
            server.evicted(true, silent);
        });
    }

    /** Chosen to make room at worker_connections and not yet closed (any thread). */
    boolean evicting() {
        return evicting;
    }

    ConnectionDeadline deadline() {
        return deadline;
    }

    @Override
    public void forceClose() {
        channel.close();
    }

    private void closeAfterFlush() {
        closing = true;
        deadline.clear();
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void updateAutoRead() {
        Exchange ex = current;
        boolean pause = !backlog.isEmpty() || budgetWaiter != null || (ex != null && !dispatchOnEnd && ex.body().isBehind());
        if (channel.config().isAutoRead() == pause) {
            channel.config().setAutoRead(!pause);
            deadline.bodyPaused(pause);
        }
    }

    // ---- for the exchange (any thread) ---------------------------------------------------------------

    boolean mayKeepAlive(RequestHead head) {
        return head.keepAlive() && options.model() != WorkerModel.SYNC && !options.keepAlive().isZero()
                && !server.isDraining() && !server.recycling();
    }

    @Override
    public ResponseWriter startResponse(Exchange ex, int status, Headers headers, long lengthHeader, long length,
                                        boolean bodyless) {
        return new Http1Response(this, ex, status, headers, lengthHeader, length, bodyless);
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    /** Reused by each response's head; the thread that runs the connection's current exchange owns it. */
    ResponseHead.Scratch headScratch() {
        ResponseHead.Scratch s = headScratch;
        if (s == null) headScratch = s = new ResponseHead.Scratch();
        return s;
    }

    @Override
    public void awaitWritable() throws IOException {
        writeGate.await();
    }

    private SSLSession tlsSession() {
        return tls == null ? null : tls.engine().getSession();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        InetSocketAddress proxied = channel.attr(ProxyProtocolHandler.SOURCE).get();
        if (proxied != null) return proxied;
        SocketAddress a = channel.remoteAddress();
        return a instanceof InetSocketAddress i ? i : null;
    }

    @Override
    public InetSocketAddress localAddress() {
        SocketAddress a = channel.localAddress();
        return a instanceof InetSocketAddress i ? i : null;
    }

    String ip() {
        InetSocketAddress a = remoteAddress();
        return a == null ? "" : a.getAddress().getHostAddress();
    }
}
