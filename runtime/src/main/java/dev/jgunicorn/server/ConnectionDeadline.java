package dev.jgunicorn.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The deadline a connection must meet while no request runs on it, in front of the decoder: its first byte within
 * {@link #FIRST_BYTE} (or header_timeout, if shorter) of the connection's start, a complete request head within
 * header_timeout of that start (or of the first byte of a later request), and the next request within keepalive
 * while it waits between requests. When one passes, {@link Expired} goes down the pipeline for {@link Connection}
 * to act on, as Netty's IdleStateHandler sends its IdleStateEvent.
 *
 * <p>It also tells whether the connection waits with nothing read (silent since it opened, or idle between
 * requests) and since when: at worker_connections, {@link WorkerServer} closes the longest-waiting such connection
 * to admit a new one. These two fields are read from the listener's loop; everything else is event loop only.
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
        IDLE
    }

    private final long headNanos;
    private final long keepAliveNanos;
    private ChannelHandlerContext ctx;
    private long opened;
    private long deadline;
    private boolean idle;
    private ScheduledFuture<?> timer;
    private long timerAt;
    /** When the connection began waiting with nothing read; 0 while a request is read or runs, or once closing. */
    private volatile long waitingSince;
    /** No byte has arrived since the connection opened. */
    private volatile boolean silent;

    ConnectionDeadline(ServerOptions options) {
        this.headNanos = options.headerTimeout().toNanos();
        this.keepAliveNanos = options.keepAlive().toNanos();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        opened = System.nanoTime();
        silent = true;
        waitingSince = opened;
        arm(Math.min(headNanos, FIRST_BYTE), false);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waitingSince != 0) {
            waitingSince = 0;
            if (silent) {
                silent = false;
                if (headNanos != 0) deadline = opened + headNanos; // the head is due header_timeout after the start
            } else if (idle) {
                arm(headNanos, false); // an idle keep-alive connection starts a new head
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clear();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx.fireChannelInactive();
    }

    /** A response went out, the connection stays open and nothing of a next request was read: wait for one. */
    void awaitNextRequest() {
        arm(keepAliveNanos, true);
        waitingSince = System.nanoTime();
    }

    /** A response went out and part of the next request's head was already read: the rest is due in header_timeout. */
    void awaitRestOfHead() {
        arm(headNanos, false);
    }

    /** A request started, or the connection is closing: no deadline; a check still scheduled finds none and ends. */
    void clear() {
        idle = false;
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

    private void arm(long nanos, boolean idleWait) {
        idle = idleWait;
        if (nanos == 0) {
            deadline = 0;
            return;
        }
        long at = System.nanoTime() + nanos;
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
        Expired what = idle ? Expired.IDLE : silent ? Expired.SILENT : Expired.HEAD;
        clear();
        ctx.fireUserEventTriggered(what);
    }
}
