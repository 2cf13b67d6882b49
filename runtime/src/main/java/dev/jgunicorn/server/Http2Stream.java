package dev.jgunicorn.server;

import com.sun.net.httpserver.Headers;
import dev.jgunicorn.http.FieldRules;
import dev.jgunicorn.http.Header;
import dev.jgunicorn.http.RequestHead;
import dev.jgunicorn.proxy.ProxyProtocolHandler;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/2 stream: its HEADERS become a {@link RequestHead} and an {@link Exchange} run by the worker model exactly
 * as an HTTP/1 request is, its DATA the request body, and the response goes back as {@link Http2Response} frames.
 * Back-pressure both ways is HTTP/2 flow control: reading stops while the app is behind on the body (so no
 * WINDOW_UPDATE goes out and the client must wait), and the app's writes wait while the stream's window is spent.
 * All state here is touched on the connection's event loop only.
 */
final class Http2Stream extends ChannelInboundHandlerAdapter implements ExchangeTransport {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");

    private final WorkerServer server;
    private final ServerOptions options;
    private final Http2Connection connection;
    private final Http2StreamChannel channel;
    private final WriteGate writeGate;
    /**
     * The request body's clock (body_timeout, body_min_rate), as an HTTP/1 connection's: in front of this handler
     * from the start of a request with a body, null for the others (no timer for them).
     */
    private ConnectionDeadline deadline;
    private Exchange exchange;
    /** The eventloop model runs the handler once the whole body is in. */
    private boolean dispatchOnEnd;
    private boolean bodyEnded;
    private boolean finished;

    Http2Stream(WorkerServer server, Http2Connection connection, Http2StreamChannel channel) {
        this.server = server;
        this.options = server.options();
        this.connection = connection;
        this.channel = channel;
        this.writeGate = new WriteGate(channel);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection.streamOpened();
        // the last stream ID there is (RFC 9113 §5.1.1): GOAWAY now, so the client opens a new connection while
        // this stream finishes, instead of finding out when its next stream cannot be opened
        if (channel.stream().id() == Integer.MAX_VALUE) connection.drain();
        RequestHead upgraded = connection.takeUpgradeRequest(channel.stream().id());
        if (upgraded != null) start(upgraded, true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame h && exchange == null && !finished) {
            RequestHead head = requestHead(h.headers(), h.isEndStream());
            if (head != null) start(head, h.isEndStream());
        } else if (msg instanceof Http2HeadersFrame h) {
            if (h.isEndStream()) bodyEnd(); // trailers: the app's API has no place for them
        } else if (msg instanceof Http2DataFrame d) {
            body(d);
            return;
        } else if (msg instanceof Http2ResetFrame r) {
            reset("the client reset the stream (" + Http2Error.valueOf(r.errorCode()) + ")");
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.streamClosed();
        reset("the stream closed");
        writeGate.open();
        ctx.fireChannelInactive();
    }

    /** The body deadline passed; the others (a stream starts with its whole head) do not apply. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ConnectionDeadline.Expired.BODY) bodyTooSlow();
        else if (!(evt instanceof ConnectionDeadline.Expired)) ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        writeGate.open();
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Netty's codec hands a stream's protocol errors to the stream and then closes it, which would reset it with
     * CANCEL: RST_STREAM with the error's own code goes first, as RFC 9113 asks.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP/2 stream error from {}: {}", remoteAddress(), cause.toString());
        if (cause instanceof Http2Exception.StreamException e && channel.isActive()) {
            channel.writeAndFlush(new DefaultHttp2ResetFrame(e.error()));
        }
        ctx.close();
    }

    // ---- request flow ------------------------------------------------------------------------------

    /**
     * The request head from a HEADERS frame, held to the same limits and field rules as HTTP/1, or null after
     * answering or resetting a request that breaks them. Netty's codec already refused what RFC 9113 calls
     * malformed (connection-specific fields, upper-case names, misplaced or missing pseudo-headers).
     */
    private RequestHead requestHead(Http2Headers h, boolean endStream) {
        FieldRules rules = server.fieldRules();
        CharSequence method = h.method();
        CharSequence path = h.path();
        if (method == null || path == null || path.isEmpty() || h.scheme() == null) {
            // CONNECT (no :path) is not served: there is no tunnel behind an HttpExchange
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
            return null;
        }
        if (path.length() > rules.lineLimit()) {
            refuse(414, "URI Too Long", "Request Line is too large (" + path.length() + " > " + rules.lineLimit() + ")");
            return null;
        }
        boolean trusted = rules.trusts(channel.parent().remoteAddress());
        String scheme = connection.tls() ? "https" : "http";
        List<Header> fields = new ArrayList<>(h.size());
        StringBuilder cookies = null;
        boolean host = false;
        long contentLength = -1;
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            String name = e.getKey().toString();
            if (name.startsWith(":")) continue;
            String value = e.getValue().toString();
            if (name.length() + value.length() + 2 > rules.fieldSizeLimit()) {
                refuse(431, "Request Header Fields Too Large", "limit request headers fields size");
                return null;
            }
            if (name.equals("cookie")) { // RFC 9113 §8.2.3: split crumbs are one field for HTTP/1 apps
                cookies = cookies == null ? new StringBuilder(value) : cookies.append("; ").append(value);
                continue;
            }
            String s = trusted ? rules.scheme(name, value) : null;
            if (s != null) scheme = s;
            if (rules.underscore(name, trusted) == FieldRules.Underscore.DROP) continue;
            if (rules.underscore(name, trusted) == FieldRules.Underscore.REFUSE) {
                refuse(400, "Bad Request", "Invalid HTTP header name: " + name.toUpperCase(Locale.ROOT));
                return null;
            }
            host |= name.equals("host");
            if (name.equals("content-length")) contentLength = Long.parseLong(value.strip()); // checked by the codec
            fields.add(new Header(name, value));
        }
        if (cookies != null) fields.add(new Header("cookie", cookies.toString()));
        // HTTP/1 apps find the authority in Host (RFC 9113 §8.3.1)
        if (!host && h.authority() != null) fields.addFirst(new Header("host", h.authority().toString()));
        if (fields.size() > rules.fieldsLimit()) {
            refuse(431, "Request Header Fields Too Large", "limit request headers fields");
            return null;
        }
        boolean unknownLength = !endStream && contentLength < 0;
        return new RequestHead(method.toString(), path.toString(), 2, 0, fields, endStream ? 0 : contentLength,
                unknownLength, true, false, scheme);
    }

    private void start(RequestHead head, boolean endStream) {
        server.requestStarted();
        bodyEnded = endStream || !head.hasBody();
        RequestBodyStream body = bodyEnded ? RequestBodyStream.empty() : new RequestBodyStream(new RequestBodyStream.Demand() {
            @Override
            public void resume() {
                channel.eventLoop().execute(() -> {
                    deadline.bodyPaused(false);
                    channel.config().setAutoRead(true);
                });
            }

            @Override
            public void firstRead() {
                // HTTP/2 has no 100 Continue to send: the client's window already invites the body
            }
        });
        exchange = new Exchange(this, head, server.contextFor(head.uri()), body, tlsSession());
        dispatchOnEnd = options.model() == WorkerModel.EVENTLOOP && !bodyEnded;
        if (!bodyEnded) {
            deadline = new ConnectionDeadline(options);
            channel.pipeline().addBefore(channel.pipeline().context(this).name(), "deadline", deadline);
            deadline.awaitBody();
        }
        if (dispatchOnEnd && !head.chunked() && head.contentLength() > options.eventloopMaxBody()) {
            refuseEventloopBody();
            return;
        }
        if (!dispatchOnEnd) dispatch();
    }

    private void body(Http2DataFrame d) {
        Exchange ex = exchange;
        if (ex == null || bodyEnded) {
            d.release();
            return;
        }
        int bytes = d.content().readableBytes();
        ex.requestBodyBytes += bytes;
        deadline.bodyReceived(bytes);
        if (dispatchOnEnd && ex.requestBodyBytes > options.eventloopMaxBody()) {
            d.release();
            refuseEventloopBody();
            return;
        }
        // the app is behind: no WINDOW_UPDATE until it reads (the eventloop model reads once the body is in)
        if (bytes == 0) {
            d.release(); // an empty DATA frame has nothing for the app, whose read() must not return 0
        } else if (ex.body().offer(d.content()) && !dispatchOnEnd) {
            channel.config().setAutoRead(false);
            deadline.bodyPaused(true);
        }
        if (d.isEndStream()) bodyEnd();
    }

    private void bodyEnd() {
        if (exchange == null || bodyEnded) return;
        bodyEnded = true;
        if (deadline != null) deadline.clear();
        exchange.body().end();
        if (dispatchOnEnd) dispatch();
    }

    private void dispatch() {
        connection.started(exchange);
        server.dispatch(exchange);
    }

    /** The client reset the stream or it closed: a handler reading the body or writing the response stops. */
    private void reset(String why) {
        Exchange ex = exchange;
        if (ex == null || finished) return;
        finished = true;
        ex.body().fail(new IOException(why));
        connection.ended(ex);
        if (!ex.headersSent()) ex.discard();
    }

    /**
     * The body deadline passed: the app's read of the body throws, and the client gets 408 (then RST_STREAM
     * NO_ERROR for the rest of the body, RFC 9113 §8.1) unless the app's response already started, in which case
     * resetting the stream is the only honest end.
     */
    private void bodyTooSlow() {
        Exchange ex = exchange;
        if (ex == null || finished || bodyEnded) return;
        bodyEnded = true;
        ex.bodyError = Connection.BODY_TOO_SLOW;
        ex.body().fail(new IOException(Connection.BODY_TOO_SLOW.message()));
        if (!ex.claimAnswer()) {
            log.warn("Resetting stream from ip={}: {}, after its response started", ip(), Connection.BODY_TOO_SLOW.message());
            abort(Connection.BODY_TOO_SLOW.message());
            return;
        }
        refuse(408, "Request Timeout", Connection.BODY_TOO_SLOW.message());
        channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
    }

    private void refuseEventloopBody() {
        refuse(413, "Content Too Large", "the eventloop worker buffers bodies up to " + options.eventloopMaxBody()
                + " bytes (eventloop_max_body)");
    }

    /**
     * Answers a request that broke the rules with Gunicorn's error page and resets the rest of its stream; the
     * connection's other streams go on. A request whose head was read gets its access-log line.
     */
    private void refuse(int status, String reason, String message) {
        log.warn("Invalid request from ip={}: {}", ip(), message);
        Exchange ex = exchange;
        finished = true;
        long bytes = Http2Response.errorPage(channel, status, reason, message, ex != null && ex.getRequestMethod().equals("HEAD"));
        if (ex != null) {
            connection.ended(ex);
            ex.discard();
            ex.refused(status, bytes);
            server.requestEnded(ex);
        }
    }

    /** The response's last frame left: the access log line, the metrics. */
    void completed(Exchange ex) {
        if (finished) return;
        finished = true;
        connection.ended(ex);
        server.requestEnded(ex);
        if (!bodyEnded) {
            // the app answered without reading the whole body: the rest is not wanted (RFC 9113 §8.1)
            ex.body().releaseAll();
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
    }

    // ---- ExchangeTransport (the app's thread) -----------------------------------------------------------

    @Override
    public ResponseWriter startResponse(Exchange ex, int status, Headers headers, long lengthHeader, long length,
                                        boolean bodyless) {
        return new Http2Response(this, channel, ex, status, headers, lengthHeader);
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    /** A client that keeps the stream's window shut for body_timeout gets the stream reset (zero-window stall). */
    @Override
    public void awaitWritable() throws IOException {
        if (!channel.isActive()) throw new IOException("the client reset the stream");
        try {
            writeGate.await(options.bodyTimeout());
        } catch (IOException stalled) {
            abort(stalled.getMessage());
            throw stalled;
        }
    }

    @Override
    public void appFailed(Exchange ex, Throwable t) {
        if (ex.bodyError == null && t instanceof IOException && !channel.isActive()) {
            log.debug("Ignoring EPIPE: the client of {} reset its stream before the response was written", ex.head().uri());
        } else {
            log.error("Error handling request {}", ex.head().uri(), t);
        }
        channel.eventLoop().execute(() -> {
            if (finished) return;
            if (ex.headersSent() || !channel.isActive()) {
                reset("the handler failed");
                channel.close(); // the response is half-written: RST_STREAM is the only honest end
            } else {
                refuse(500, "Internal Server Error", "");
            }
        });
    }

    @Override
    public void abort(String why) {
        log.debug("resetting stream from {}: {}", ip(), why);
        channel.close(); // RST_STREAM (CANCEL) while the stream is open
    }

    @Override
    public InetSocketAddress remoteAddress() {
        Channel parent = channel.parent();
        InetSocketAddress proxied = parent.attr(ProxyProtocolHandler.SOURCE).get();
        if (proxied != null) return proxied;
        SocketAddress a = parent.remoteAddress();
        return a instanceof InetSocketAddress i ? i : null;
    }

    @Override
    public InetSocketAddress localAddress() {
        SocketAddress a = channel.parent().localAddress();
        return a instanceof InetSocketAddress i ? i : null;
    }

    private SSLSession tlsSession() {
        SslHandler tls = channel.parent().pipeline().get(SslHandler.class);
        return tls == null ? null : tls.engine().getSession();
    }

    private String ip() {
        InetSocketAddress a = remoteAddress();
        return a == null ? "" : a.getAddress().getHostAddress();
    }
}
