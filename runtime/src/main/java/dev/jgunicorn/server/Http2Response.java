package dev.jgunicorn.server;

import com.sun.net.httpserver.Headers;
import dev.jgunicorn.http.ErrorPage;
import dev.jgunicorn.http.HttpDate;
import dev.jgunicorn.http.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A response as HTTP/2 frames: one HEADERS frame (sent with the first body bytes, or alone with END_STREAM when
 * there are none), then DATA frames that Netty's codec cuts to the peer's frame size and holds to its flow-control
 * window. The length conventions are the exchange's; on HTTP/2 a streamed body simply has no content-length.
 */
final class Http2Response implements ResponseWriter {
    private final Http2Stream stream;
    private final Http2StreamChannel channel;
    private final Exchange exchange;
    private Http2Headers pendingHeaders;

    Http2Response(Http2Stream stream, Http2StreamChannel channel, Exchange exchange, int status, Headers headers,
                  long lengthHeader) {
        this.stream = stream;
        this.channel = channel;
        this.exchange = exchange;
        this.pendingHeaders = headers(status, headers, lengthHeader);
    }

    /**
     * Names apps set most, as Netty's {@link AsciiString} constants: HPACK hashes and compares an AsciiString's bytes
     * once (its hash is cached), a String's characters on every response.
     */
    private static final Map<String, AsciiString> COMMON_NAMES = Stream.of(HttpHeaderNames.CONTENT_TYPE,
                    HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.CONTENT_LANGUAGE,
                    HttpHeaderNames.ETAG, HttpHeaderNames.EXPIRES, HttpHeaderNames.LAST_MODIFIED,
                    HttpHeaderNames.LOCATION, HttpHeaderNames.SET_COOKIE, HttpHeaderNames.VARY)
            .collect(Collectors.toUnmodifiableMap(AsciiString::toString, n -> n));
    private static final AsciiString SERVER = AsciiString.cached("jgunicorn");

    /** The response head as HTTP/2 fields: lower-case names, no connection-specific fields (RFC 9113 §8.2.2). */
    private static Http2Headers headers(int status, Headers headers, long lengthHeader) {
        Http2Headers h = new DefaultHttp2Headers().status(HttpResponseStatus.valueOf(status).codeAsText());
        boolean date = false, server = false;
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            String name = e.getKey();
            if (ResponseHead.isFraming(name) || name.equalsIgnoreCase("Upgrade")
                    || name.equalsIgnoreCase("Proxy-Connection")) {
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            date |= lower.equals("date");
            server |= lower.equals("server");
            CharSequence field = COMMON_NAMES.get(lower);
            if (field == null) field = lower;
            for (String v : e.getValue()) {
                ResponseHead.checkValue(name, v);
                h.add(field, v);
            }
        }
        if (!server) h.set(HttpHeaderNames.SERVER, SERVER);
        if (!date) h.set(HttpHeaderNames.DATE, HttpDate.nowAscii());
        if (lengthHeader >= 0) h.setLong(HttpHeaderNames.CONTENT_LENGTH, lengthHeader);
        return h;
    }

    @Override
    public ByteBuf takeFirstBuffer() {
        return null; // the head is a frame of its own
    }

    @Override
    public void write(ByteBuf data, boolean flush) {
        Http2Headers h = takeHeaders();
        if (h != null) channel.write(new DefaultHttp2HeadersFrame(h, false), channel.voidPromise());
        if (data != null && data.isReadable()) channel.write(new DefaultHttp2DataFrame(data, false), channel.voidPromise());
        else if (data != null) data.release();
        if (flush) channel.flush();
    }

    @Override
    public void finish(ByteBuf last) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) lastWritten(last);
        else loop.execute(() -> lastWritten(last));
    }

    /** The last frame carries END_STREAM: the head alone, the last data, or an empty DATA frame. */
    private void lastWritten(ByteBuf last) {
        Http2Headers h = takeHeaders();
        boolean data = last != null && last.isReadable();
        if (last != null && !data) last.release();
        if (h != null) channel.write(new DefaultHttp2HeadersFrame(h, !data), channel.voidPromise());
        if (data) channel.write(new DefaultHttp2DataFrame(last, true), channel.voidPromise());
        else if (h == null) channel.write(new DefaultHttp2DataFrame(true), channel.voidPromise());
        channel.flush();
        stream.completed(exchange);
    }

    private synchronized Http2Headers takeHeaders() {
        Http2Headers h = pendingHeaders;
        pendingHeaders = null;
        return h;
    }

    @Override
    public void discard() {
        takeHeaders();
    }

    /** Gunicorn's error page as a whole response on the stream (event loop); returns the body's length. */
    static long errorPage(Http2StreamChannel channel, int status, String reason, String message, boolean forHead) {
        String body = ErrorPage.body(reason, message);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        Http2Headers h = new DefaultHttp2Headers().status(Integer.toString(status))
                .set("server", "jgunicorn").set("date", HttpDate.now())
                .set("content-type", "text/html").setInt("content-length", b.length);
        if (forHead || !channel.isActive()) {
            channel.writeAndFlush(new DefaultHttp2HeadersFrame(h, true));
        } else {
            channel.write(new DefaultHttp2HeadersFrame(h, false));
            channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(b), true));
        }
        return b.length;
    }
}
