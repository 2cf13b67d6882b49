package dev.jgunicorn.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Sleeps {@code ?ms=} milliseconds (default 1000), then answers {@code slept N ms}: for timeouts and graceful stops. */
public final class Slow implements HttpHandler {

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long ms = Query.number(exchange, "ms", 1000);
        try {
            Thread.sleep(Math.max(0, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        byte[] body = ("slept " + ms + " ms\n").getBytes(StandardCharsets.US_ASCII);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
