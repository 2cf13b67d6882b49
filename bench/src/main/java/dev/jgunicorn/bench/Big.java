package dev.jgunicorn.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/** A 64 KiB text/plain body with a Content-Length, written in one call. */
public final class Big implements HttpHandler {
    public static final int SIZE = 64 * 1024;
    static final byte[] BODY = body();

    static byte[] body() {
        byte[] b = new byte[SIZE];
        Arrays.fill(b, (byte) 'x');
        for (int i = 63; i < SIZE; i += 64) b[i] = '\n';
        return b;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, BODY.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(BODY);
        }
    }
}
