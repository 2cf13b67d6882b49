package dev.jgunicorn.server;

import dev.jgunicorn.http.ErrorPage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * h2c by prior knowledge (http2_cleartext prior-knowledge or both): a trusted peer whose first bytes are the HTTP/2
 * connection preface gets HTTP/2, anything else HTTP/1 (where {@code Upgrade: h2c} may still apply). With
 * prior-knowledge alone a trusted peer is expected to speak HTTP/2, so one that does not gets 400 (Gunicorn's
 * InvalidH2CPreface) rather than a silent downgrade that would hide a misconfigured proxy. Untrusted peers (outside
 * forwarded_allow_ips) always get HTTP/1. The bytes read stay in the buffer for whichever protocol wins.
 */
final class H2cPreface extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final WorkerServer server;

    H2cPreface(WorkerServer server) {
        this.server = server;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!server.fieldRules().trusts(ctx.channel().remoteAddress())) {
            http1(ctx);
            return;
        }
        int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
        if (!ByteBufUtil.equals(PREFACE, PREFACE.readerIndex(), in, in.readerIndex(), n)) {
            if (server.options().http2().prefaceRequired()) refuse(ctx, in);
            else http1(ctx);
        } else if (n == PREFACE.readableBytes()) {
            Http2Connection.install(ctx.pipeline(), server, false);
            ctx.pipeline().remove(this);
        }
        // else a prefix of the preface: wait for the rest
    }

    private void http1(ChannelHandlerContext ctx) {
        server.addHttp1(ctx.pipeline());
        ctx.pipeline().remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in) {
        log.warn("Invalid request from ip={}: the HTTP/2 connection preface was expected (http2_cleartext is"
                + " prior-knowledge)", ctx.channel().remoteAddress());
        in.skipBytes(in.readableBytes());
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(ErrorPage.render(ctx.alloc(), 400, "Bad Request", "Invalid HTTP/2 connection preface", false))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
