package dev.jgunicorn.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * After the TLS handshake, serves the protocol ALPN chose (the server's http_protocols order wins): HTTP/2 for "h2",
 * HTTP/1 otherwise. A client that does not use ALPN gets HTTP/1.1, or HTTP/2 when http_protocols offers only h2.
 */
final class AlpnProtocols extends ApplicationProtocolNegotiationHandler {
    private final WorkerServer server;

    AlpnProtocols(WorkerServer server) {
        super(server.options().http2().http1() ? ApplicationProtocolNames.HTTP_1_1 : ApplicationProtocolNames.HTTP_2);
        this.server = server;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) Http2Connection.install(ctx.pipeline(), server, true);
        else server.addHttp1(ctx.pipeline());
    }
}
