package dev.jgunicorn.server;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.demo.Echo;
import dev.jgunicorn.demo.Hello;
import dev.jgunicorn.demo.Stream;
import dev.jgunicorn.demo.Upload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JDK HttpExchange contract on jgunicorn, checked with real clients over real sockets. */
class ExchangeContractTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void helloAnswersWithTextAndFramingHeaders() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Hello())) {
            HttpResponse<String> r = get(s.uri("/"));
            assertEquals(200, r.statusCode());
            assertEquals("Hello, World!", r.body());
            assertEquals("text/plain", r.headers().firstValue("content-type").orElseThrow());
            assertEquals("13", r.headers().firstValue("content-length").orElseThrow());
            assertTrue(r.headers().firstValue("date").isPresent());
        }
    }

    @Test
    void httpServerCreateReturnsJgunicornWithContextsFiltersAndAuthenticators() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        assertInstanceOf(JgunicornHttpServer.class, server, "META-INF/services must select jgunicorn's provider");
        try {
            HttpContext root = server.createContext("/", new Hello());
            root.getAttributes().put("greeting", "hi");
            server.createContext("/api/", ex -> {
                byte[] b = ("api " + ex.getRequestURI().getPath() + " " + ex.getAttribute("greeting") + " "
                        + ex.getRequestHeaders().getFirst("X-Filtered")).getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, b.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(b);
                }
            }).getFilters().add(new Filter() {
                @Override
                public void doFilter(HttpExchange ex, Chain chain) throws IOException {
                    ex.getRequestHeaders().add("X-Filtered", "yes");
                    ex.setAttribute("greeting", "from-filter");
                    chain.doFilter(ex);
                }

                @Override
                public String description() {
                    return "adds a header";
                }
            });
            HttpContext secret = server.createContext("/secret", ex -> {
                byte[] b = ex.getPrincipal().getUsername().getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
                ex.close();
            });
            secret.setAuthenticator(new BasicAuthenticator("test") {
                @Override
                public boolean checkCredentials(String user, String pwd) {
                    return user.equals("ada") && pwd.equals("lovelace");
                }
            });
            server.start();
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertEquals("Hello, World!", get(URI.create(base + "/anything")).body());
            assertEquals("api /api/x from-filter yes", get(URI.create(base + "/api/x")).body());
            HttpResponse<String> denied = get(URI.create(base + "/secret"));
            assertEquals(401, denied.statusCode());
            assertTrue(denied.headers().firstValue("www-authenticate").orElse("").contains("Basic"));
            String auth = java.util.Base64.getEncoder().encodeToString("ada:lovelace".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create(base + "/secret"))
                    .header("Authorization", "Basic " + auth).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("ada", ok.body());
            server.removeContext("/api/");
            assertEquals("Hello, World!", get(URI.create(base + "/api/x")).body(), "after removal the root context answers");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void addressesAndProtocolAreTheConnections() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.VIRTUAL), ex -> {
            seen.set(ex.getLocalAddress().getPort() + " " + ex.getRemoteAddress().getAddress().getHostAddress()
                    + " " + ex.getProtocol() + " " + ex.getRequestMethod());
            ex.sendResponseHeaders(204, -1);
            ex.close();
        })) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(s.uri("/")).method("DELETE", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, r.statusCode());
            assertEquals(s.port + " 127.0.0.1 HTTP/1.1 DELETE", seen.get());
        }
    }

    @Test
    void uploadStreamsAndIsHashedExactly() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 7];
        for (int i = 0; i < body.length; i++) body[i] = (byte) (i * 31);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Upload())) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(s.uri("/")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("{\"bytes\": " + body.length + ", \"sha256\": \"" + sha + "\"}\n", r.body());
            // chunked upload (unknown length) through the same handler
            HttpResponse<String> c = client.send(HttpRequest.newBuilder(s.uri("/"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(r.body(), c.body());
        }
    }

    @Test
    void streamSendsChunkedBodyOfTheAskedLength() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Stream())) {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(s.uri("/?chunks=40&size=10000")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(400_000, r.body().length);
            assertEquals("chunked", r.headers().firstValue("transfer-encoding").orElseThrow());
        }
    }

    @Test
    void headHasNoBodyButKeepsTheLength() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Hello())) {
            String r = s.raw("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
            assertTrue(r.contains("Content-Length: 13\r\n"), r);
            assertTrue(r.endsWith("\r\n\r\n"), "no body after the head: " + r);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        // every keep-alive model: on the event loop a response completes inside the read that carried its request
        for (WorkerModel model : List.of(WorkerModel.GTHREAD, WorkerModel.VIRTUAL, WorkerModel.EVENTLOOP)) {
            try (TestServer s = new TestServer(TestServer.options(model), new Echo())) {
                String r = s.raw("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                        + "GET /3 HTTP/1.1\r\nHost: x\r\n\r\nPOST /4 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\r\nde\r\n0\r\n\r\nGET /5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
                int at = 0;
                for (int i = 1; i <= 5; i++) {
                    int next = r.indexOf("\"uri\": \"/" + i + "\"");
                    assertTrue(next > at, model + ": response " + i + " in order\n" + r);
                    at = next;
                }
                assertTrue(r.contains("\"body_base64\": \"YWJj\""), model + r);
                assertTrue(r.contains("\"body_base64\": \"ZGU=\""), model + r);
                assertEquals(5, r.split("HTTP/1.1 200 OK").length - 1, model + r);
            }
        }
    }

    @Test
    void expectContinueIsAnsweredBeforeTheBodyIsRead() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Echo())) {
            try (var sock = new java.net.Socket("127.0.0.1", s.port)) {
                sock.setSoTimeout(3000);
                var out = sock.getOutputStream();
                out.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] buf = new byte[25];
                int n = sock.getInputStream().readNBytes(buf, 0, 25);
                assertEquals("HTTP/1.1 100 Continue\r\n\r\n", new String(buf, 0, n, StandardCharsets.US_ASCII));
                out.write("hi".getBytes(StandardCharsets.US_ASCII));
                String rest = TestServer.readAll(sock.getInputStream());
                assertTrue(rest.startsWith("HTTP/1.1 200 OK"), rest);
                assertTrue(rest.contains("\"body_base64\": \"aGk=\""), rest);
            }
        }
    }

    @Test
    void http10GetsCloseUnlessKeepAliveAsked() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Hello())) {
            String r = s.raw("GET / HTTP/1.0\r\n\r\n", Duration.ofSeconds(3));
            assertTrue(r.contains("Connection: close\r\n") && r.endsWith("Hello, World!"), r);
            String k = s.raw("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n", Duration.ofSeconds(3));
            assertTrue(k.contains("Connection: keep-alive\r\n"), k);
            assertEquals(2, k.split("Hello, World!").length - (k.endsWith("Hello, World!") ? 0 : 1), k);
        }
    }

    @Test
    void handlerExceptionGives500AndCloses() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), ex -> {
            throw new IllegalStateException("boom");
        })) {
            String r = s.raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(3));
            assertTrue(r.startsWith("HTTP/1.1 500 Internal Server Error\r\n"), r);
            assertTrue(r.contains("Connection: close"), r);
        }
    }

    /** As with the JDK, the stream taken before sendResponseHeaders is the body once they are sent (avaje-jex does this). */
    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void responseBodyTakenBeforeTheHeadersIsTheBodyAfterThem(WorkerModel model) throws Exception {
        AtomicReference<Throwable> early = new AtomicReference<>();
        try (TestServer s = new TestServer(TestServer.options(model), ex -> {
            OutputStream body = ex.getResponseBody();
            try {
                body.write('x');
            } catch (IOException e) {
                early.set(e);
            }
            ex.sendResponseHeaders(200, 5);
            body.write("hello".getBytes(StandardCharsets.US_ASCII));
            body.close();
        })) {
            String r = s.raw("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
            assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n") && r.contains("Content-Length: 5\r\n") && r.endsWith("\r\n\r\nhello"), r);
            assertTrue(String.valueOf(early.get()).contains("sendResponseHeaders() must be called before"), String.valueOf(early.get()));
        }
    }

    @Test
    void fixedLengthMismatchIsAnError() throws Exception {
        AtomicReference<Throwable> err = new AtomicReference<>();
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), ex -> {
            ex.sendResponseHeaders(200, 2);
            try {
                ex.getResponseBody().write(new byte[3]);
            } catch (IOException e) {
                err.set(e);
                throw e;
            }
        })) {
            s.raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(2));
            assertTrue(String.valueOf(err.get()).contains("too many bytes"), String.valueOf(err.get()));
        }
    }

    @Test
    void requestWithoutContextGets404() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/only", new Hello());
        server.start();
        try {
            assertEquals(404, get(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/other")).statusCode());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void proxyProtocolSourceBecomesTheRemoteAddress() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), ex -> {
            byte[] b = (ex.getRemoteAddress().getAddress().getHostAddress() + ":" + ex.getRemoteAddress().getPort())
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        })) {
            s.server.worker().setProxyProtocol("auto", List.of("127.0.0.1"));
            String r = s.raw("PROXY TCP4 192.0.2.7 192.0.2.1 40000 443\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    Duration.ofSeconds(3));
            assertTrue(r.endsWith("192.0.2.7:40000"), r);
            s.server.worker().setProxyProtocol("auto", List.of("192.0.2.99"));
            String refused = s.raw("PROXY TCP4 192.0.2.7 192.0.2.1 40000 443\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(3));
            assertTrue(refused.startsWith("HTTP/1.1 403 Forbidden"), refused);
        }
    }

    @Test
    void anAppsExecutorRunsTheHandlers() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "app-pool"));
        server.setExecutor(pool);
        server.createContext("/", ex -> {
            byte[] b = Thread.currentThread().getName().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try {
            assertEquals(pool, server.getExecutor());
            assertEquals("app-pool", get(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/")).body());
        } finally {
            server.stop(0);
            pool.shutdown();
        }
    }
}
