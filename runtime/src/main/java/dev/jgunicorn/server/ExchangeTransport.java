package dev.jgunicorn.server;

import com.sun.net.httpserver.Headers;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * What an {@link Exchange} is carried by: an HTTP/1 {@link Connection} or one {@link Http2Stream}. The exchange keeps
 * the HttpExchange contract (headers, length conventions, streams); the transport puts its response on the wire.
 */
interface ExchangeTransport {

    /**
     * Starts the response whose head the app just sent (called on the app's thread).
     *
     * @param lengthHeader the Content-Length to announce, or -1 for none
     * @param length       the body's length: a fixed number of bytes, or -1 when it is streamed until close()
     * @param bodyless     HEAD, 1xx, 204, 304: no body goes on the wire
     */
    ResponseWriter startResponse(Exchange ex, int status, Headers headers, long lengthHeader, long length,
                                 boolean bodyless);

    ByteBufAllocator alloc();

    /** Blocks an app thread while the peer is behind, so a slow client paces a big response. */
    void awaitWritable() throws IOException;

    /** The handler threw (called on the app's thread). */
    void appFailed(Exchange ex, Throwable t);

    /** The response cannot be completed: the transport ends it as its protocol allows. */
    void abort(String why);

    /** The client: the PROXY header's source when a trusted proxy sent one, else the socket's peer. */
    InetSocketAddress remoteAddress();

    InetSocketAddress localAddress();
}
