package dev.jgunicorn.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The deadline a connection must meet while it waits for its client, in front of the decoder: its first byte within
 * {@link #FIRST_BYTE} (or header_timeout, if shorter) of the connection's start, a complete request head within
 * header_timeout of that start (or of the first byte of a later request), the next request within keepalive while it
 * waits between requests, and a request body that keeps coming (see {@link #awaitBody}). When one passes,
 * {@link Expired} goes down the pipeline for {@link Connection} to act on, as Netty's IdleStateHandler sends its
 * IdleStateEvent.
 *
 * <p>It also tells whether the connection waits with nothing read (silent since it opened, or idle between
 * requests) and since when: at worker_connections, {@link WorkerServer} closes the longest-waiting such connection
 * to admit a new one. These two fields are read from its admission loop; everything else is event loop only.
 *
 * <p>One deadline per connection (0 = none) and at most one scheduled check: arming the next deadline is a field
 * write, and the check re-schedules itself for what is left, as IdleStateHandler does.
 */
final class ConnectionDeadline extends ChannelInboundHandlerAdapter {

    /**
     * The longest a new connection may stay silent. A real client sends its request right after connecting;
     * holding a silent one for the whole header_timeout lets a flood of them keep everyone else out, and Gunicorn's
     * gthread worker also waits 5 s for a new connection's first bytes before it stops spending a thread on it.
     */
    static final long FIRST_BYTE = TimeUnit.SECONDS.toNanos(5);

    /** The user event of a deadline that passed. */
    enum Expired {
        /** No byte at all in time. */
        SILENT,
        /** No complete request head in time. */
        HEAD,
        /** No next request within keepalive. */
        IDLE,
        /** The request body stalled for body_timeout, or fell below body_min_rate. */
        BODY
    }

    private final long headNanos;
    private final long keepAliveNanos;
    private final long bodyNanos;
    /** The deadline credit one body byte earns (1 s / body_min_rate); 0 when there is no rate. */
    private final double bodyNanosPerByte;
    private ChannelHandlerContext ctx;
    private long opened;
    private long deadline;
    /** What the deadline is for; null while nothing is awaited from the client. */
    private Expired awaiting;
    private ScheduledFuture<?> timer;
    private long timerAt;
    /** When the connection began waiting with nothing read; 0 while a request is read or runs, or once closing. */
    private volatile long waitingSince;
    /** No byte has arrived since the connection opened. */
    private volatile boolean silent;

    // the body's clock, while awaiting == BODY
    private long bodyStart;
    private long bodyLastRead;
    private long bodyBytes;
    private long bodyPausedAt; // 0 = the server reads

    ConnectionDeadline(ServerOptions options) {
        this.headNanos = options.headerTimeout().toNanos();
        this.keepAliveNanos = options.keepAlive().toNanos();
        this.bodyNanos = options.bodyTimeout().toNanos();
        this.bodyNanosPerByte = options.bodyMinRate() == 0 ? 0 : 1e9 / options.bodyMinRate();
    }

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
        if (this.ctx != null) return;
        this.ctx = ctx;
        opened = System.nanoTime();
        silent = true;
        waitingSince = opened;
        arm(Math.min(headNanos, FIRST_BYTE), Expired.SILENT);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (silent) {
            silent = false;
            awaiting = Expired.HEAD;
            deadline = headNanos == 0 ? 0 : opened + headNanos; // the head is due header_timeout after the start
        } else if (awaiting == Expired.IDLE) {
            arm(headNanos, Expired.HEAD); // an idle keep-alive connection starts a new head
        }
        if (waitingSince != 0) waitingSince = 0;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    /** Removed when the connection switched to HTTP/2 ({@code Upgrade: h2c}). */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void stop() {
        clear();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** A response went out, the connection stays open and nothing of a next request was read: wait for one. */
    void awaitNextRequest() {
        arm(keepAliveNanos, Expired.IDLE);
        waitingSince = System.nanoTime();
    }

    /** A response went out and part of the next request's head was already read: the rest is due in header_timeout. */
    void awaitRestOfHead() {
        arm(headNanos, Expired.HEAD);
    }

    /**
     * A request body is due (it started, or 100 Continue asked for it): from now on no read may come later than
     * body_timeout after the previous one, and once body_timeout has passed the body must have averaged
     * body_min_rate, each byte extending the deadline by 1/body_min_rate s (Apache mod_reqtimeout's MinRate). The
     * idle wait alone lets a client trickling a byte a second hold the request forever; the rate alone would let
     * a client that sent fast at first stall for as long as its credit lasts. A no-op while already awaited.
     */
    void awaitBody() {
        if (awaiting == Expired.BODY) return;
        silent = false; // the head came first (an HTTP/2 stream's deadline starts here, after its HEADERS)
        awaiting = Expired.BODY;
        bodyStart = bodyLastRead = System.nanoTime();
        bodyBytes = 0;
        bodyPausedAt = 0;
        armBody();
    }

    /** Body bytes arrived. */
    void bodyReceived(int bytes) {
        if (awaiting != Expired.BODY) return;
        bodyBytes += bytes;
        bodyLastRead = System.nanoTime();
        armBody();
    }

    /**
     * The server stopped (or resumed) reading the socket because the app is behind on the body: the client cannot
     * be late meanwhile, so the paused time counts for neither the idle wait nor the rate.
     */
    void bodyPaused(boolean paused) {
        if (awaiting != Expired.BODY || paused == (bodyPausedAt != 0)) return;
        long now = System.nanoTime();
        if (paused) {
            bodyPausedAt = now;
            deadline = 0;
        } else {
            bodyStart += now - bodyPausedAt;
            bodyLastRead = now;
            bodyPausedAt = 0;
            armBody();
        }
    }

    /** A request started or its body ended, or the connection is closing: no deadline; a check still scheduled finds none and ends. */
    void clear() {
        awaiting = null;
        deadline = 0;
        if (waitingSince != 0) waitingSince = 0;
    }

    /** When the connection began waiting with nothing read (any thread); 0 when it is not waiting. */
    long waitingSince() {
        return waitingSince;
    }

    /** True while no byte has arrived since the connection opened (any thread). */
    boolean silent() {
        return silent;
    }

    private void armBody() {
        if (bodyNanos == 0 || bodyPausedAt != 0) {
            deadline = 0;
            return;
        }
        long at = bodyLastRead + bodyNanos;
        if (bodyNanosPerByte > 0) {
            long rateAt = bodyStart + bodyNanos + (long) Math.min(bodyBytes * bodyNanosPerByte, 1e18);
            if (rateAt - at < 0) at = rateAt;
        }
        setDeadline(at);
    }

    private void arm(long nanos, Expired what) {
        awaiting = what;
        if (nanos == 0) {
            deadline = 0;
            return;
        }
        setDeadline(System.nanoTime() + nanos);
    }

    private void setDeadline(long at) {
        deadline = at;
        if (timer == null || timerAt - at > 0) schedule(at);
    }

    private void schedule(long at) {
        if (timer != null) timer.cancel(false);
        timerAt = at;
        timer = ctx.executor().schedule(this::check, at - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        long at = deadline;
        if (at == 0) return;
        if (at - System.nanoTime() > 0) {
            schedule(at); // re-armed since this check was scheduled
            return;
        }
        Expired what = awaiting;
        clear();
        ctx.fireUserEventTriggered(what);
    }
}
