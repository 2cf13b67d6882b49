package dev.jgunicorn.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The deadline a connection must meet while no request runs on it, in front of the decoder: a complete request head
 * within header_timeout of the connection's start (or of the first byte of a later request), and the next request
 * within keepalive while it waits between requests. When one passes, {@link Expired} goes down the pipeline for
 * {@link Connection} to act on, as Netty's IdleStateHandler sends its IdleStateEvent.
 *
 * <p>One deadline per connection (0 = none) and at most one scheduled check: arming the next deadline is a field
 * write, and the check re-schedules itself for what is left, as IdleStateHandler does. Event loop only.
 */
final class ConnectionDeadline extends ChannelInboundHandlerAdapter {

    /** The user event of a deadline that passed. */
    enum Expired {
        /** No complete request head in time. */
        HEAD,
        /** No next request within keepalive. */
        IDLE
    }

    private final long headNanos;
    private final long keepAliveNanos;
    private ChannelHandlerContext ctx;
    private long deadline;
    private boolean idle;
    private ScheduledFuture<?> timer;
    private long timerAt;

    ConnectionDeadline(ServerOptions options) {
        this.headNanos = options.headerTimeout().toNanos();
        this.keepAliveNanos = options.keepAlive().toNanos();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        arm(headNanos, false);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (idle) arm(headNanos, false); // an idle keep-alive connection starts a new head
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

    /** A response went out and the connection stays open: the next request must come within keepalive. */
    void awaitNextRequest() {
        arm(keepAliveNanos, true);
    }

    /** A request started, or the connection is closing: no deadline; a check still scheduled finds none and ends. */
    void clear() {
        idle = false;
        deadline = 0;
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
        Expired what = idle ? Expired.IDLE : Expired.HEAD;
        clear();
        ctx.fireUserEventTriggered(what);
    }
}
