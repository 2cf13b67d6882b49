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

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * h2c by prior knowledge (http2_cleartext prior-knowledge or both): a trusted peer whose first bytes are the HTTP/2
 * connection preface gets HTTP/2, anything else HTTP/1 (where {@code Upgrade: h2c} may still apply). With
 * prior-knowledge alone a trusted peer is expected to speak HTTP/2, so one that sends an HTTP/1 request gets 400
 * (Gunicorn's InvalidH2CPreface) rather than a silent downgrade that would hide a misconfigured proxy; bytes that are
 * neither (a broken preface) are the connection error RFC 9113 §3.4 asks for: the connection closes unanswered, as
 * no SETTINGS were exchanged to carry a GOAWAY. Only trusted peers (in forwarded_allow_ips) get here; a peer has
 * header_timeout from the connection's start to complete the preface. The bytes read stay in the
 * buffer for whichever protocol wins.
 */
final class H2cPreface extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    /** An HTTP/1 request line (RFC 9112 §3): method token, target, version; the preface's own line is not one. */
    private static final Pattern REQUEST_LINE = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ ]+ HTTP/1\\.[0-9]\\r?");

    private final WorkerServer server;
    private ScheduledFuture<?> deadline;

    H2cPreface(WorkerServer server) {
        this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) start(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (deadline != null) return;
        long timeout = server.options().headerTimeout().toNanos();
        if (timeout > 0) deadline = ctx.executor().schedule(() -> {
            log.debug("Closing connection from {}: no HTTP/2 connection preface within header_timeout",
                    ctx.channel().remoteAddress());
            ctx.close();
        }, timeout, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) deadline.cancel(false);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
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

    /**
     * Not the preface, with prior knowledge the only way in: 400 for an HTTP/1 request, a bare close for anything
     * else. Waits for the first line (up to limit_request_line) to tell them apart.
     */
    private void refuse(ChannelHandlerContext ctx, ByteBuf in) {
        int limit = server.fieldRules().lineLimit() + 2;
        int eol = in.indexOf(in.readerIndex(), in.readerIndex() + Math.min(in.readableBytes(), limit), (byte) '\n');
        if (eol < 0 && in.readableBytes() < limit) return;
        boolean http1 = eol < 0 || REQUEST_LINE.matcher(in.toString(in.readerIndex(), eol - in.readerIndex(),
                StandardCharsets.ISO_8859_1)).matches();
        log.warn("Invalid request from ip={}: the HTTP/2 connection preface was expected (http2_cleartext is"
                + " prior-knowledge), got {}", ip(ctx), http1 ? "an HTTP/1 request" : "other bytes");
        in.skipBytes(in.readableBytes());
        ctx.channel().config().setAutoRead(false);
        if (!http1) {
            ctx.close();
            return;
        }
        ctx.writeAndFlush(ErrorPage.render(ctx.alloc(), 400, "Bad Request", "Invalid HTTP/2 connection preface", false))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private static String ip(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
    }
}
