package dev.jgunicorn.testapps;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Test app: keeps its thread busy (no blocking, so a virtual thread stays on its carrier) for ?ms=N, answers the carrier's name. */
public class Spin implements HttpHandler {
    @Override
    public void handle(HttpExchange ex) throws IOException {
        String q = ex.getRequestURI().getQuery();
        long ms = q != null && q.startsWith("ms=") ? Long.parseLong(q.substring(3)) : 0;
        long end = System.nanoTime() + ms * 1_000_000;
        long spins = 0;
        while (System.nanoTime() < end) spins++;
        // A virtual thread's toString() ends with "@<carrier name>" while it runs.
        String t = Thread.currentThread().toString();
        byte[] b = (t.substring(t.lastIndexOf('@') + 1) + " " + (spins > 0 ? "spun" : "idle")).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }
}
