package dev.jgunicorn.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;

/**
 * The floor of any Netty-based HTTP/2 server, the HTTP/2 twin of {@link NettyHello}: h2c by prior knowledge, Netty's
 * Http2FrameCodec and one handler on the connection (no per-stream child channels) that answers every request with
 * the 13-byte hello, with content-type, content-length, server and date like jgunicorn's, flushed at the end of a
 * read. As in Netty's own HTTP/2 hello example; same Netty and transport (epoll) as the runtime.
 * <pre>java -cp CP dev.jgunicorn.bench.NettyH2Hello PORT [LOOPS]</pre>
 */
public final class NettyH2Hello {
    private static final ByteBuf HELLO = Unpooled.unreleasableBuffer(Unpooled.directBuffer(13)
            .writeBytes("Hello, World!".getBytes(StandardCharsets.US_ASCII)).asReadOnly());
    private static final AsciiString SERVER = AsciiString.cached("netty");
    private static final AsciiString TEXT = AsciiString.cached("text/plain");
    private static final AsciiString LENGTH = AsciiString.cached("13");

    private NettyH2Hello() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int loops = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Channel ch = NettyHello.start(port, loops, p -> p.addLast(Http2FrameCodecBuilder.forServer().build(), new Handler()));
        System.out.println("ready " + ((java.net.InetSocketAddress) ch.localAddress()).getPort() + " netty-h2c-"
                + (Epoll.isAvailable() ? "epoll" : "nio") + " loops=" + loops);
        System.out.flush();
        ch.closeFuture().sync();
    }

    /** Answers each request once its HEADERS (or its last DATA) ended the stream. */
    static final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame h && h.isEndStream()
                        || msg instanceof io.netty.handler.codec.http2.Http2DataFrame d && d.isEndStream()) {
                    respond(ctx, ((Http2StreamFrame) msg).stream());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static void respond(ChannelHandlerContext ctx, Http2FrameStream stream) {
            Http2Headers headers = new DefaultHttp2Headers().status("200").set("content-type", TEXT)
                    .set("content-length", LENGTH).set("server", SERVER).set("date", NettyHello.date);
            ctx.write(new DefaultHttp2HeadersFrame(headers).stream(stream), ctx.voidPromise());
            ctx.write(new DefaultHttp2DataFrame(HELLO.duplicate(), true).stream(stream), ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
