package dev.jgunicorn.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/2 connection so its last frame arrives: after a GOAWAY (a protocol error, a flood guard, a graceful
 * stop) the client may still be sending, and closing a socket with unread input makes the kernel send RST, which
 * can destroy the GOAWAY in the client's receive buffer before it is read. So the output is shut down first (FIN
 * after the GOAWAY), input is read and dropped, and the socket closes when the client closes its side or after
 * {@link #LINGER_MILLIS}.
 */
final class LingeringClose extends ChannelDuplexHandler {
    static final long LINGER_MILLIS = 1000;

    private boolean lingering;

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (lingering || !(ctx.channel() instanceof DuplexChannel d) || !d.isActive() || d.isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        lingering = true;
        ctx.flush();
        d.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) ctx.close(promise);
        });
        ctx.executor().schedule(() -> ctx.close(promise), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) ReferenceCountUtil.release(msg);
        else ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (lingering && evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) ctx.close();
        else ctx.fireUserEventTriggered(evt);
    }
}
