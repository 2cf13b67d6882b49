package dev.jgunicorn.bench;

import com.sun.net.httpserver.HttpServer;
import io.netty.channel.Channel;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Java peer bench/run measures answers the three bench paths over a real socket (bench/run itself is not run here). */
class BenchServersTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void jdkHttpServer() throws Exception {
        HttpServer s = SpiServer.start("jdk", 0, "fixed:2");
        try {
            assertEquals("sun.net.httpserver.HttpServerImpl", s.getClass().getName());
            checkPaths(s.getAddress().getPort());
        } finally {
            s.stop(0);
        }
    }

    @Test
    void jettySpi() throws Exception {
        HttpServer s = SpiServer.start("jetty", 0, "default");
        try {
            assertEquals("org.eclipse.jetty.http.spi.JettyHttpServer", s.getClass().getName());
            checkPaths(s.getAddress().getPort());
        } finally {
            s.stop(0);
        }
    }

    @Test
    void robahoSpi() throws Exception {
        HttpServer s = SpiServer.start("robaho", 0, "virtual");
        try {
            assertTrue(s.getClass().getName().startsWith("robaho.net.httpserver."), s.getClass().getName());
            checkPaths(s.getAddress().getPort());
        } finally {
            s.stop(0);
        }
    }

    @Test
    void rawNetty() throws Exception {
        Channel ch = NettyHello.start(0, 1);
        try {
            checkPaths(((InetSocketAddress) ch.localAddress()).getPort());
        } finally {
            ch.close().sync();
        }
    }

    private void checkPaths(int port) throws Exception {
        HttpResponse<String> hello = get(port, "/");
        assertEquals(200, hello.statusCode());
        assertEquals("Hello, World!", hello.body());
        assertEquals("text/plain", hello.headers().firstValue("Content-Type").orElse(""));
        HttpResponse<String> json = get(port, "/json");
        assertEquals("{\"message\":\"Hello, World!\"}", json.body());
        assertEquals("application/json", json.headers().firstValue("Content-Type").orElse(""));
        HttpResponse<String> big = get(port, "/big");
        assertEquals(Big.SIZE, big.body().length());
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
