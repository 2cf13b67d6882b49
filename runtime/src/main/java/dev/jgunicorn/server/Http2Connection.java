package dev.jgunicorn.server;

import dev.jgunicorn.http.RequestHead;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection: Netty's frame codec and stream multiplexer in front, one {@link Http2Stream} per stream
 * behind, and this handler last, for what the worker tracks per connection. Netty's codec enforces the protocol and
 * the flood guards configured in {@link #codec}; a graceful stop sends GOAWAY and lets the open streams finish.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter implements ClientConnection {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    /**
     * RST_STREAM frames a client may send per {@link #RST_WINDOW_SECONDS} before the connection is closed with
     * GOAWAY (ENHANCE_YOUR_CALM): the rapid-reset attack (CVE-2023-44487) opens and cancels streams faster than
     * handlers can notice. A legitimate client cancels a fraction of its streams; twice the concurrent-stream
     * limit per window leaves it room.
     */
    static final int RST_WINDOW_SECONDS = 30;
    /**
     * Control frames (SETTINGS and PING acknowledgements, RST_STREAM) queued for a client that does not read:
     * past this the connection closes, so SETTINGS and PING floods cannot grow the outbound buffer without bound.
     */
    static final int MAX_QUEUED_CONTROL_FRAMES = 1000;
    /** Empty DATA frames in a row (which cost work but carry nothing), and CONTINUATION frames below 8 KiB. */
    static final int MAX_EMPTY_DATA_FRAMES = 2;
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private final WorkerServer server;
    private final Set<Exchange> running = ConcurrentHashMap.newKeySet();
    private final boolean tls;
    private Channel channel;
    /** The HTTP/1.1 request an {@code Upgrade: h2c} came with: stream 1's request, answered over HTTP/2. */
    private RequestHead upgradeRequest;
    private int openStreams;
    private long lastActive = System.nanoTime();
    private ScheduledFuture<?> idleCheck;

    private Http2Connection(WorkerServer server, boolean tls) {
        this.server = server;
        this.tls = tls;
    }

    /** Puts HTTP/2 at the end of {@code pipeline}: the codec, the stream multiplexer and the connection. */
    static Http2FrameCodec install(ChannelPipeline pipeline, WorkerServer server, boolean tls) {
        Http2Connection connection = new Http2Connection(server, tls);
        Http2FrameCodec codec = codec(server.options());
        pipeline.addLast("h2-linger", new LingeringClose());
        pipeline.addLast("h2-history", new Http2StreamHistory());
        pipeline.addLast("h2", codec);
        pipeline.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast("stream", new Http2Stream(server, connection, ch));
            }
        }));
        pipeline.addLast("h2-connection", connection);
        return codec;
    }

    /**
     * Switches an HTTP/1.1 connection whose request asked for {@code Upgrade: h2c} (RFC 7540 §3.2) and was answered
     * 101: the request becomes stream 1, half-closed, answered over HTTP/2 once the client's preface arrives.
     */
    static void upgrade(ChannelPipeline pipeline, WorkerServer server, RequestHead request, Http2Settings settings)
            throws Exception {
        Http2FrameCodec codec = install(pipeline, server, false);
        pipeline.get(Http2Connection.class).upgradeRequest = request;
        pipeline.get(Http2StreamHistory.class).upgraded();
        codec.onHttpServerUpgrade(settings);
    }

    private static Http2FrameCodec codec(ServerOptions options) {
        Http2Options h2 = options.http2();
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(h2.maxConcurrentStreams())
                .initialWindowSize(h2.initialWindowSize())
                .maxFrameSize(h2.maxFrameSize())
                .maxHeaderListSize(h2.maxHeaderListSize() == 0 ? Http2CodecUtil.MAX_HEADER_LIST_SIZE : h2.maxHeaderListSize());
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .gracefulShutdownTimeoutMillis(options.gracefulTimeout().toMillis())
                .decoderEnforceMaxRstFramesPerWindow(Math.max(100, 2 * h2.maxConcurrentStreams()), RST_WINDOW_SECONDS)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .build();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        server.connectionOpened(this);
        scheduleIdleCheck();
    }

    /**
     * An HTTP/2 connection without streams for keepalive seconds (at least one) is closed with GOAWAY, as an idle
     * HTTP/1 keep-alive connection is, so idle clients do not hold worker_connections slots.
     */
    private void scheduleIdleCheck() {
        long limit = Math.max(1000, server.options().keepAlive().toMillis());
        idleCheck = channel.eventLoop().schedule(() -> {
            if (!channel.isActive()) return;
            if (running.isEmpty() && openStreams == 0 && System.nanoTime() - lastActive >= limit * 1_000_000) {
                channel.close();
            } else {
                scheduleIdleCheck();
            }
        }, limit, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idleCheck != null) idleCheck.cancel(false);
        server.connectionClosed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg); // connection-level frames (SETTINGS, PING, GOAWAY): the codec acted on them
    }

    /** The codec answered protocol errors itself (GOAWAY with their code); anything else ends the connection. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP/2 connection error from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        if (!(cause instanceof Http2Exception)) ctx.close();
    }

    /** Stream 1's request after an upgrade, once; null for every other stream. */
    RequestHead takeUpgradeRequest(int streamId) {
        if (streamId != Http2CodecUtil.HTTP_UPGRADE_STREAM_ID) return null;
        RequestHead r = upgradeRequest;
        upgradeRequest = null;
        return r;
    }

    boolean tls() {
        return tls;
    }

    void started(Exchange ex) {
        running.add(ex);
    }

    void ended(Exchange ex) {
        running.remove(ex);
    }

    /** A stream opened or closed (event loop): the idle clock runs while none is open. */
    void streamOpened() {
        openStreams++;
    }

    void streamClosed() {
        openStreams--;
        lastActive = System.nanoTime();
    }

    @Override
    public Collection<Exchange> running() {
        return running;
    }

    /** GOAWAY now; the connection closes once its open streams are done, or after the graceful timeout. */
    @Override
    public void drain() {
        channel.eventLoop().execute(() -> channel.close());
    }

    @Override
    public void forceClose() {
        channel.eventLoop().execute(() -> channel.unsafe().close(channel.unsafe().voidPromise()));
    }
}
