package dev.jgunicorn.operator.endpoints;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** helm test's check against a real HTTP server: only a 200 passes. */
class ReadinessCheckTest {
    @Test
    void onlyA200Passes() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/readyz", ex -> reply(ex, 200, "ok"));
        server.createContext("/starting", ex -> reply(ex, 503, "starting"));
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertEquals(0, ReadinessCheck.check(URI.create(base + "/readyz")));
            assertEquals(1, ReadinessCheck.check(URI.create(base + "/starting")));
        } finally {
            server.stop(0);
        }
        int closed;
        try (var s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertEquals(1, ReadinessCheck.check(URI.create("http://127.0.0.1:" + closed + "/readyz")), "nothing listening");
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws java.io.IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (var out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}
