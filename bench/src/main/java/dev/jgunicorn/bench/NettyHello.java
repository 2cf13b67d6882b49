package dev.jgunicorn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The floor of any Netty-based HTTP server: Netty's own HttpServerCodec and a handler that answers "/" (the same
 * 13-byte hello as {@code dev.jgunicorn.demo.Hello}), "/json" (Jackson, as {@link Json}) and "/big" (64 KiB), with
 * Content-Type, Content-Length, Server and Date headers like jgunicorn's. Static bodies are shared read-only buffers,
 * the Date is formatted once a second, and flushes wait for the end of a read, as in TechEmpower's Netty entry.
 * Same Netty and transport (epoll) as the runtime; one event loop accepts and serves.
 * <pre>java -cp CP dev.jgunicorn.bench.NettyHello PORT [LOOPS]</pre>
 */
public final class NettyHello {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ByteBuf HELLO = body("Hello, World!".getBytes(StandardCharsets.US_ASCII));
    private static final ByteBuf BIG = body(Big.BODY);
    private static final AsciiString SERVER = AsciiString.cached("netty");
    private static final AsciiString TEXT = AsciiString.cached("text/plain");
    private static final AsciiString JSON = AsciiString.cached("application/json");
    /** The Date header, formatted once a second by the group {@link #start} makes (NettyH2Hello's too). */
    static volatile AsciiString date = now();

    private NettyHello() {
    }

    private static ByteBuf body(byte[] b) {
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(b.length).writeBytes(b).asReadOnly());
    }

    private static AsciiString now() {
        return new AsciiString(DateFormatter.format(new Date()));
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int loops = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Channel ch = start(port, loops);
        System.out.println("ready " + ((java.net.InetSocketAddress) ch.localAddress()).getPort() + " netty-"
                + (Epoll.isAvailable() ? "epoll" : "nio") + " loops=" + loops);
        System.out.flush();
        ch.closeFuture().sync();
    }

    /** Binds 127.0.0.1:port (0 = any) with one group of {@code loops} event loops that both accept and serve. */
    public static Channel start(int port, int loops) throws InterruptedException {
        return start(port, loops, p -> p.addLast(new HttpServerCodec(), new Handler()));
    }

    /** The same server with another protocol's handlers in each connection's pipeline. */
    static Channel start(int port, int loops, Consumer<ChannelPipeline> handlers) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        group.scheduleAtFixedRate(() -> date = now(), 1000 - System.currentTimeMillis() % 1000, 1000, TimeUnit.MILLISECONDS);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        handlers.accept(c.pipeline());
                    }
                });
        Channel ch = b.bind("127.0.0.1", port).sync().channel();
        ch.closeFuture().addListener(f -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        return ch;
    }

    /** The hello handler after Netty's HttpServerCodec (also used by the JMH response-path benchmark). */
    public static final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!(msg instanceof HttpRequest req)) {
                ReferenceCountUtil.release(msg); // HttpContent: requests here carry no body worth reading
                return;
            }
            try {
                String uri = req.uri();
                FullHttpResponse res;
                if (uri.equals("/json")) {
                    byte[] json = MAPPER.writeValueAsBytes(new Json.Message("Hello, World!"));
                    res = response(Unpooled.wrappedBuffer(json), JSON);
                } else if (uri.equals("/big")) {
                    res = response(BIG.duplicate(), TEXT);
                } else {
                    res = response(HELLO.duplicate(), TEXT);
                }
                boolean keepAlive = HttpUtil.isKeepAlive(req);
                if (!keepAlive) res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                if (keepAlive) ctx.write(res, ctx.voidPromise());
                else ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static FullHttpResponse response(ByteBuf body, AsciiString type) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            HttpHeaders h = res.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, type);
            h.set(HttpHeaderNames.SERVER, SERVER);
            h.set(HttpHeaderNames.DATE, date);
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            return res;
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
