package dev.jgunicorn.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Streams {@code ?chunks=} chunks (default 10) of {@code ?size=} bytes (default 65536) with chunked encoding,
 * flushing each one: for streaming downloads of any length in constant memory.
 */
public final class Stream implements HttpHandler {

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long chunks = Query.number(exchange, "chunks", 10);
        int size = (int) Math.min(Math.max(1, Query.number(exchange, "size", 65536)), 1 << 20);
        byte[] chunk = new byte[size];
        Arrays.fill(chunk, (byte) 'x');
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            for (long i = 0; i < chunks; i++) {
                out.write(chunk);
                out.flush();
            }
        }
    }
}
