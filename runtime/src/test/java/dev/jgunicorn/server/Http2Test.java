package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsExchange;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.jgunicorn.server.H2Frames.CONTINUATION;
import static dev.jgunicorn.server.H2Frames.END_HEADERS;
import static dev.jgunicorn.server.H2Frames.END_STREAM;
import static dev.jgunicorn.server.H2Frames.GOAWAY;
import static dev.jgunicorn.server.H2Frames.HEADERS;
import static dev.jgunicorn.server.H2Frames.RST_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2 as Gunicorn's http_protocols and http2_* settings offer it: h2c by Upgrade and by prior knowledge, h2 over
 * TLS by ALPN, every stream an HttpExchange, and the flood guards, against a real worker over loopback sockets.
 */
class Http2Test {
    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;

    @BeforeAll
    static void certificate() throws Exception {
        TlsTest.selfSigned(dir);
    }

    static Config h2c(WorkerModel model, String cleartext) {
        return TestServer.config(model).with(Settings.HTTP_PROTOCOLS, List.of("h2", "h1"))
                .with(Settings.HTTP2_CLEARTEXT, cleartext);
    }

    /**
     * The protocol the app saw and a digest of the body it read, in X-Seen; a body of the size asked for in ?bytes=N,
     * streamed, else "ok" (h2spec needs a body).
     */
    static final HttpHandler ECHO = ex -> {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IOException(e);
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) sha.update(buf, 0, n);
        }
        String q = ex.getRequestURI().getQuery();
        int bytes = q != null && q.startsWith("bytes=") ? Integer.parseInt(q.substring(6)) : 0;
        String tls = ex instanceof HttpsExchange ? " https" : "";
        ex.getResponseHeaders().add("X-Seen", ex.getProtocol() + " " + HexFormat.of().formatHex(sha.digest()) + tls);
        if (bytes == 0) {
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes(StandardCharsets.US_ASCII));
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, 0); // streamed: no length known up front
        try (OutputStream out = ex.getResponseBody()) {
            byte[] chunk = new byte[8192];
            for (int sent = 0; sent < bytes; sent += chunk.length) out.write(chunk, 0, Math.min(chunk.length, bytes - sent));
        }
    };

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /**
     * Upgrade: h2c, then a 1 MiB upload and a 1 MiB streamed download on the same HTTP/2 connection, in every worker
     * class: both exceed the 64 KiB initial window many times over, so they only finish if flow control works both
     * ways (WINDOW_UPDATEs for what the app read, writes that wait for the client's).
     */
    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    @Timeout(120) // a flow-control deadlock hangs rather than fails
    void upgradeThenLargeBodiesBothWaysUnderFlowControl(WorkerModel model) throws Exception {
        Semaphore ended = new Semaphore(0);
        try (TestServer s = new TestServer(ServerOptions.from(h2c(model, "upgrade")), ECHO)) {
            s.server.worker().setRequestListener((m, st, n, in, out) -> ended.release());
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            HttpResponse<String> first = client.send(HttpRequest.newBuilder(s.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, first.version());
            assertTrue(first.headers().firstValue("X-Seen").orElseThrow().startsWith("HTTP/2.0 "), first.headers().toString());

            byte[] upload = new byte[MIB];
            new Random(7).nextBytes(upload);
            HttpResponse<byte[]> up = client.send(HttpRequest.newBuilder(s.uri("/?bytes=" + MIB))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(HttpClient.Version.HTTP_2, up.version());
            assertEquals("HTTP/2.0 " + sha256(upload), up.headers().firstValue("X-Seen").orElseThrow());
            assertEquals(MIB, up.body().length);
            assertFalse(up.headers().firstValue("content-length").isPresent(), "a streamed body has no length");
            // the request is counted just after its last frame is flushed, so the client may be first to see it end
            assertTrue(ended.tryAcquire(2, 30, TimeUnit.SECONDS), "one finished request per stream");
            assertEquals(0, ended.availablePermits(), "one finished request per stream");
        }
    }

    /**
     * The app's response fields reach an HTTP/2 client as it set them: lower-case names (the JDK client refuses
     * upper-case ones), every value of a repeated field in order, the app's own Server kept, Date and the length added.
     */
    @Test
    void responseFieldsReachTheClientAsTheAppSetThem() throws Exception {
        HttpHandler app = ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            ex.getResponseHeaders().add("Set-Cookie", "a=1");
            ex.getResponseHeaders().add("Set-Cookie", "b=2");
            ex.getResponseHeaders().add("X-Request-ID", "r-7");
            ex.getResponseHeaders().add("Server", "app/1");
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes(StandardCharsets.US_ASCII));
            ex.close();
        };
        try (TestServer s = new TestServer(ServerOptions.from(h2c(WorkerModel.EVENTLOOP, "upgrade")), app)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            for (int i = 0; i < 2; i++) { // the second response's fields come from HPACK's dynamic table
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(s.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(HttpClient.Version.HTTP_2, r.version());
                assertEquals("ok", r.body());
                assertEquals(List.of("text/plain; charset=utf-8"), r.headers().allValues("content-type"));
                assertEquals(List.of("a=1", "b=2"), r.headers().allValues("set-cookie"));
                assertEquals(List.of("r-7"), r.headers().allValues("x-request-id"));
                assertEquals(List.of("app/1"), r.headers().allValues("server"));
                assertEquals(List.of("2"), r.headers().allValues("content-length"));
                assertEquals(1, r.headers().allValues("date").size(), r.headers().toString());
            }
        }
    }

    /** Over TLS, ALPN picks the first of http_protocols the client also offers (the JDK client offers h2, http/1.1). */
    @Test
    void alpnFollowsTheServersPreferenceOrder() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(TlsTest.clientContext(dir.resolve("cert.pem"), null))
                .version(HttpClient.Version.HTTP_2).build();
        for (List<String> protocols : List.of(List.of("h2", "h1"), List.of("h1", "h2"))) {
            Config c = TestServer.config(WorkerModel.VIRTUAL).with(Settings.HTTP_PROTOCOLS, protocols);
            List<String> alpn = Http2Options.from(c).alpn();
            Tls tls = Tls.fromFiles(dir, "cert.pem", "key.pem", null, 0, null, alpn);
            try (TestServer s = new TestServer(ServerOptions.from(c), ECHO, tls)) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + s.port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                boolean h2 = protocols.get(0).equals("h2");
                assertEquals(h2 ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1, r.version(), protocols.toString());
                String seen = r.headers().firstValue("X-Seen").orElseThrow();
                assertTrue(seen.startsWith(h2 ? "HTTP/2.0 " : "HTTP/1.1 ") && seen.endsWith(" https"), seen);
            }
        }
    }

    /** prior-knowledge alone: a trusted peer that sends HTTP/1 instead of the preface gets 400, not a downgrade. */
    @Test
    void priorKnowledgeAloneRefusesHttp1With400() throws Exception {
        try (TestServer s = new TestServer(ServerOptions.from(h2c(WorkerModel.GTHREAD, "prior-knowledge")), ECHO)) {
            String answer = s.raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n", java.time.Duration.ofSeconds(5));
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
            try (H2Frames h2 = new H2Frames(s.port).start()) {
                h2.send(HEADERS, END_HEADERS | END_STREAM, 1, H2Frames.requestHeaders("GET", "/"));
                H2Frames.Frame head = h2.readUntil(HEADERS);
                assertNotNull(head, "the preface opens HTTP/2");
                assertEquals(1, head.stream());
            }
        }
    }

    /** Enabling one mechanism does not enable the other: with upgrade alone the preface is just a bad HTTP/1 request. */
    @Test
    void upgradeAloneDoesNotAcceptThePreface() throws Exception {
        try (TestServer s = new TestServer(ServerOptions.from(h2c(WorkerModel.GTHREAD, "upgrade")), ECHO);
             H2Frames h2 = new H2Frames(s.port).start()) {
            String answer = h2.readText();
            assertTrue(answer.startsWith("HTTP/1.1 4"), answer);
        }
    }

    /** h2c is for the trusted proxy in front (forwarded_allow_ips): anyone else stays on HTTP/1.1. */
    @Test
    void untrustedPeersStayOnHttp1() throws Exception {
        Config c = h2c(WorkerModel.GTHREAD, "both").with(Settings.FORWARDED_ALLOW_IPS, List.of("10.9.8.7"));
        try (TestServer s = new TestServer(ServerOptions.from(c), ECHO)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(s.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_1_1, r.version());
            try (H2Frames h2 = new H2Frames(s.port).start()) {
                assertTrue(h2.readText().startsWith("HTTP/1.1 4"));
            }
        }
    }

    /**
     * Rapid reset (CVE-2023-44487): streams opened and cancelled at once, far more than the concurrency limit. The
     * server ends the connection with GOAWAY ENHANCE_YOUR_CALM after 2 × http2_max_concurrent_streams resets
     * instead of starting a handler for each of them.
     */
    @Test
    void rapidResetIsCutOffWithGoaway() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        Config c = h2c(WorkerModel.VIRTUAL, "prior-knowledge").with(Settings.HTTP2_MAX_CONCURRENT_STREAMS, 50);
        int attempts = 5000;
        try (TestServer s = new TestServer(ServerOptions.from(c), ex -> {
            handled.incrementAndGet();
            ECHO.handle(ex);
        }); H2Frames h2 = new H2Frames(s.port).start()) {
            byte[] head = H2Frames.requestHeaders("GET", "/");
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < attempts; i++) {
                int stream = 2 * i + 1;
                burst.writeBytes(H2Frames.frame(HEADERS, END_HEADERS, stream, head));
                burst.writeBytes(H2Frames.frame(RST_STREAM, 0, stream, H2Frames.errorCode(H2Frames.CANCEL)));
            }
            try {
                h2.out().write(burst.toByteArray());
            } catch (IOException closedMidBurst) {
                // the server may close before the whole burst is written: what it sent first is still readable
            }
            H2Frames.Frame goaway = h2.readUntil(GOAWAY);
            assertNotNull(goaway, "GOAWAY before the connection closed");
            assertEquals(H2Frames.ENHANCE_YOUR_CALM, goaway.errorCode());
            assertTrue(handled.get() <= 2 * 50 + 50, handled.get() + " handlers started for " + attempts + " reset streams");
        }
    }

    /** CONTINUATION flood: a header block sent as endless tiny CONTINUATION frames ends the connection. */
    @Test
    void continuationFloodIsCutOff() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        try (TestServer s = new TestServer(ServerOptions.from(h2c(WorkerModel.GTHREAD, "prior-knowledge")), ex -> {
            handled.incrementAndGet();
            ECHO.handle(ex);
        }); H2Frames h2 = new H2Frames(s.port).start()) {
            h2.send(HEADERS, 0, 1, H2Frames.requestHeaders("GET", "/"));
            ByteBuffer field = ByteBuffer.allocate(32);
            H2Frames.literal(field, "x", "y");
            byte[] tiny = java.util.Arrays.copyOf(field.array(), field.position());
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            for (int i = 0; i < 10_000; i++) flood.writeBytes(H2Frames.frame(CONTINUATION, 0, 1, tiny));
            try {
                h2.out().write(flood.toByteArray());
            } catch (IOException closedMidFlood) {
                // expected: the server stops listening
            }
            H2Frames.Frame goaway = h2.readUntil(GOAWAY);
            assertNotNull(goaway, "GOAWAY before the connection closed");
            assertNull(h2.readUntil(GOAWAY), "the connection closes");
            assertEquals(0, handled.get());
        }
    }

    /** HPACK bomb: a header list over http2_max_header_list_size never reaches the app. */
    @Test
    void headerListOverTheLimitNeverReachesTheApp() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        Config c = h2c(WorkerModel.GTHREAD, "prior-knowledge").with(Settings.HTTP2_MAX_HEADER_LIST_SIZE, 4096);
        try (TestServer s = new TestServer(ServerOptions.from(c), ex -> {
            handled.incrementAndGet();
            ECHO.handle(ex);
        }); H2Frames h2 = new H2Frames(s.port).start()) {
            ByteBuffer b = ByteBuffer.allocate(16_384);
            b.put(H2Frames.requestHeaders("GET", "/"));
            for (int i = 0; i < 8; i++) H2Frames.literal(b, "x-big-" + i, "v".repeat(1000));
            h2.send(HEADERS, END_HEADERS | END_STREAM, 1, java.util.Arrays.copyOf(b.array(), b.position()));
            H2Frames.Frame f;
            boolean refused = false;
            while ((f = h2.read()) != null && !refused) {
                refused = f.stream() == 1 && (f.type() == RST_STREAM || f.type() == HEADERS) || f.type() == GOAWAY;
            }
            assertTrue(refused, "the stream or the connection was refused");
            assertEquals(0, handled.get());
        }
    }

    /**
     * Zero-window stall: a client that opens its stream window at zero and never widens it would hold the app's
     * thread in write() forever; after body_timeout the stream is reset and the app's write fails.
     */
    @Test
    void zeroWindowStallResetsTheStream() throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> writeFailed = new java.util.concurrent.CompletableFuture<>();
        Config c = h2c(WorkerModel.VIRTUAL, "prior-knowledge").with(Settings.BODY_TIMEOUT, 1);
        try (TestServer s = new TestServer(ServerOptions.from(c), ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 1024; i++) out.write(new byte[1024]);
                writeFailed.complete(null);
            } catch (IOException e) {
                writeFailed.complete(e);
                throw e;
            }
        }); H2Frames h2 = new H2Frames(s.port)) {
            h2.out().write(H2Frames.PREFACE);
            // SETTINGS_INITIAL_WINDOW_SIZE = 0: the server may send no DATA until a WINDOW_UPDATE, which never comes
            h2.send(H2Frames.SETTINGS, 0, 0, new byte[]{0, 4, 0, 0, 0, 0});
            h2.send(HEADERS, END_HEADERS | END_STREAM, 1, H2Frames.requestHeaders("GET", "/"));
            H2Frames.Frame reset = h2.readUntil(RST_STREAM);
            assertNotNull(reset, "the stalled stream is reset");
            assertEquals(1, reset.stream());
            assertNotNull(writeFailed.get(30, TimeUnit.SECONDS), "the app's write failed");
        }
    }

    /** An HTTP/2 connection left without streams for keepalive seconds gets GOAWAY and is closed. */
    @Test
    void idleConnectionIsClosedAfterKeepalive() throws Exception {
        Config c = h2c(WorkerModel.GTHREAD, "prior-knowledge").with(Settings.KEEPALIVE, 1);
        try (TestServer s = new TestServer(ServerOptions.from(c), ECHO); H2Frames h2 = new H2Frames(s.port).start()) {
            h2.send(HEADERS, END_HEADERS | END_STREAM, 1, H2Frames.requestHeaders("GET", "/"));
            H2Frames.Frame f;
            boolean answered = false;
            while (!answered && (f = h2.read()) != null) answered = f.type() == H2Frames.DATA && (f.flags() & END_STREAM) != 0;
            assertTrue(answered, "the request was answered");
            H2Frames.Frame goaway = h2.readUntil(GOAWAY);
            assertNotNull(goaway, "GOAWAY once idle");
            assertEquals(0, goaway.errorCode());
            assertNull(h2.read(), "then the connection closes");
        }
    }

    /** A new connection's request is answered. */
    private static void assertServes(TestServer s) throws IOException {
        try (H2Frames h2 = new H2Frames(s.port).start()) {
            h2.send(HEADERS, END_HEADERS | END_STREAM, 1, H2Frames.requestHeaders("GET", "/"));
            assertTrue(h2.readResponse(1), "a new connection is served");
        }
    }

    /** A POST's body and its trailers: the HEADERS after the DATA are the end of the request, not a new one. */
    private static void postWithTrailers(H2Frames h2, int stream) throws IOException {
        h2.send(HEADERS, END_HEADERS, stream, H2Frames.requestHeaders("POST", "/"));
        h2.send(H2Frames.DATA, 0, stream, "body".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer trailer = ByteBuffer.allocate(32);
        H2Frames.literal(trailer, "x-checksum", "1");
        h2.send(HEADERS, END_HEADERS | END_STREAM, stream, java.util.Arrays.copyOf(trailer.array(), trailer.position()));
    }

    /**
     * RFC 9113 §5.1: HEADERS on a stream after its END_STREAM (half-closed (remote) or closed) is the connection
     * error STREAM_CLOSED, while trailers (HEADERS ending a stream that is still open) are served. Netty's codec alone
     * takes the second HEADERS for trailers or resets only the stream.
     */
    @Test
    void headersAfterEndStreamEndTheConnectionButTrailersAreServed() throws Exception {
        try (TestServer s = new TestServer(ServerOptions.from(h2c(WorkerModel.GTHREAD, "prior-knowledge")), ECHO);
             H2Frames h2 = new H2Frames(s.port).start()) {
            postWithTrailers(h2, 1);
            assertTrue(h2.readResponse(1), "the request with trailers was answered");
            h2.send(HEADERS, END_HEADERS | END_STREAM, 1, H2Frames.requestHeaders("GET", "/"));
            H2Frames.Frame goaway = h2.readUntil(GOAWAY);
            assertNotNull(goaway, "GOAWAY for HEADERS on a closed stream");
            assertEquals(H2Frames.STREAM_CLOSED, goaway.errorCode());
            assertTrue(h2.closedByServer());
        }
    }

    /** RFC 9113 §5.1.1: a stream ID below one the client already used (and never opened) is a PROTOCOL_ERROR. */
    @Test
    void streamIdLowerThanOneUsedEndsTheConnection() throws Exception {
        try (TestServer s = new TestServer(ServerOptions.from(h2c(WorkerModel.GTHREAD, "prior-knowledge")), ECHO);
             H2Frames h2 = new H2Frames(s.port).start()) {
            h2.send(HEADERS, END_HEADERS | END_STREAM, 5, H2Frames.requestHeaders("GET", "/"));
            assertTrue(h2.readResponse(5));
            h2.send(HEADERS, END_HEADERS | END_STREAM, 3, H2Frames.requestHeaders("GET", "/"));
            H2Frames.Frame goaway = h2.readUntil(GOAWAY);
            assertNotNull(goaway, "GOAWAY for a stream ID that went backwards");
            assertEquals(H2Frames.PROTOCOL_ERROR, goaway.errorCode());
        }
    }

    /**
     * Stream-ID exhaustion: a client whose stream IDs reach 2^31-1 can open no further stream on the connection. The
     * server answers that last stream, says GOAWAY (NO_ERROR, last stream 2^31-1) at once rather than when keepalive
     * runs out, and closes; new connections are served.
     */
    @Test
    void lastStreamIdIsAnsweredThenGoaway() throws Exception {
        Config c = h2c(WorkerModel.GTHREAD, "prior-knowledge").with(Settings.KEEPALIVE, 600);
        try (TestServer s = new TestServer(ServerOptions.from(c), ECHO)) {
            try (H2Frames h2 = new H2Frames(s.port).start()) {
                h2.send(HEADERS, END_HEADERS | END_STREAM, Integer.MAX_VALUE - 2, H2Frames.requestHeaders("GET", "/"));
                assertTrue(h2.readResponse(Integer.MAX_VALUE - 2));
                h2.send(HEADERS, END_HEADERS | END_STREAM, Integer.MAX_VALUE, H2Frames.requestHeaders("GET", "/"));
                H2Frames.Frame f;
                boolean answered = false;
                H2Frames.Frame goaway = null;
                while ((f = h2.read()) != null && goaway == null) {
                    if (f.type() == GOAWAY) goaway = f;
                    answered |= f.stream() == Integer.MAX_VALUE && (f.flags() & END_STREAM) != 0;
                }
                assertNotNull(goaway, "GOAWAY once the stream IDs ran out");
                assertEquals(H2Frames.NO_ERROR, goaway.errorCode());
                assertEquals(Integer.MAX_VALUE, goaway.lastStreamId());
                answered |= h2.readResponse(Integer.MAX_VALUE);
                assertTrue(answered, "the last stream was answered");
                assertTrue(h2.closedByServer());
            }
            assertServes(s);
        }
    }

    /**
     * SETTINGS and PING floods: each frame asks for an acknowledgement, and a client that never reads lets them pile
     * up in the server once the socket buffers are full. Past {@link Http2Connection#MAX_QUEUED_CONTROL_FRAMES}
     * queued the connection ends (a server without the limit reads all 16 MiB, queues an acknowledgement for each
     * and keeps the connection); new connections are served.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {H2Frames.SETTINGS, H2Frames.PING})
    @Timeout(120)
    void controlFrameFloodFromAClientThatDoesNotReadEndsTheConnection(int type) throws Exception {
        // keepalive would close the connection, which carries no stream, for being idle
        Config c = h2c(WorkerModel.GTHREAD, "prior-knowledge").with(Settings.KEEPALIVE, 600);
        try (TestServer s = new TestServer(ServerOptions.from(c), ECHO)) {
            try (H2Frames h2 = new H2Frames(s.port).start()) {
                byte[] frame = H2Frames.frame(type, 0, 0, type == H2Frames.PING ? new byte[8] : new byte[0]);
                byte[] burst = new byte[frame.length * 4096];
                for (int i = 0; i < 4096; i++) System.arraycopy(frame, 0, burst, i * frame.length, frame.length);
                try {
                    for (long sent = 0; sent < 16L * MIB; sent += burst.length) h2.out().write(burst);
                } catch (IOException closedMidFlood) {
                    // the server stopped listening
                }
                assertTrue(h2.closedByServer(), "the connection stays open after a flood of unread acknowledgements");
            }
            assertServes(s);
        }
    }

    /**
     * Empty DATA frames cost the server work and carry nothing: a stream of them ends the connection with GOAWAY
     * (while the app waits for the body's first byte: an empty frame is not a read of 0 bytes).
     */
    @Test
    void emptyDataFloodEndsTheConnection() throws Exception {
        Config c = h2c(WorkerModel.GTHREAD, "prior-knowledge").with(Settings.KEEPALIVE, 600);
        try (TestServer s = new TestServer(ServerOptions.from(c), ECHO); H2Frames h2 = new H2Frames(s.port).start()) {
            h2.send(HEADERS, END_HEADERS, 1, H2Frames.requestHeaders("POST", "/"));
            byte[] empty = H2Frames.frame(H2Frames.DATA, 0, 1, new byte[0]);
            try {
                for (int i = 0; i < 1000; i++) h2.out().write(empty);
            } catch (IOException closedMidFlood) {
                // the server stops listening
            }
            H2Frames.Frame goaway = h2.readUntil(GOAWAY);
            assertNotNull(goaway, "GOAWAY for a flood of empty DATA frames");
            assertTrue(h2.closedByServer());
        }
    }

    /**
     * With prior knowledge alone, bytes that are neither the preface nor an HTTP/1 request are a broken preface: the
     * connection error RFC 9113 §3.4 asks for, a close without an answer (an HTTP/1 request still gets 400, above).
     */
    @Test
    void priorKnowledgeClosesABrokenPrefaceUnanswered() throws Exception {
        try (TestServer s = new TestServer(ServerOptions.from(h2c(WorkerModel.GTHREAD, "prior-knowledge")), ECHO)) {
            assertEquals("", s.raw("INVALID CONNECTION PREFACE\r\n\r\n", java.time.Duration.ofSeconds(10)));
            assertEquals("", s.raw("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", java.time.Duration.ofSeconds(10)));
        }
    }

    /** header_timeout covers the h2c preface: a trusted peer that sends part of it, then nothing, is closed. */
    @Test
    void partialPrefaceIsClosedAfterHeaderTimeout() throws Exception {
        Config c = h2c(WorkerModel.GTHREAD, "prior-knowledge").with(Settings.HEADER_TIMEOUT, 1);
        try (TestServer s = new TestServer(ServerOptions.from(c), ECHO); H2Frames h2 = new H2Frames(s.port)) {
            h2.out().write(java.util.Arrays.copyOf(H2Frames.PREFACE, 10));
            assertTrue(h2.closedByServer(), "the connection stays open without its preface");
        }
    }

    /**
     * body_timeout holds HTTP/2 request bodies as it holds HTTP/1 ones: a stream whose body stops coming gets 408
     * and the app's read fails with an IOException instead of waiting for the client forever (the eventloop class,
     * which reads the body before the app runs, answers 408 without calling it).
     */
    @ParameterizedTest
    @EnumSource(value = WorkerModel.class, names = {"GTHREAD", "EVENTLOOP"})
    void stalledRequestBodyGets408AndTheAppsReadFails(WorkerModel model) throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> readFailed = new java.util.concurrent.CompletableFuture<>();
        Config c = h2c(model, "prior-knowledge").with(Settings.BODY_TIMEOUT, 1);
        try (TestServer s = new TestServer(ServerOptions.from(c), ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
                readFailed.complete(null);
            } catch (IOException e) {
                readFailed.complete(e);
                throw e;
            }
            ex.sendResponseHeaders(200, -1);
        }); H2Frames h2 = new H2Frames(s.port).start()) {
            h2.send(HEADERS, END_HEADERS, 1, H2Frames.requestHeaders("POST", "/"));
            h2.send(H2Frames.DATA, 0, 1, "the start of a body that never ends".getBytes(StandardCharsets.US_ASCII));
            H2Frames.Frame head = h2.readUntil(HEADERS);
            assertNotNull(head, "no answer to a stalled request body");
            assertEquals("408", H2Frames.status(head));
            if (model != WorkerModel.EVENTLOOP) {
                assertNotNull(readFailed.get(30, TimeUnit.SECONDS), "the app's read failed");
            }
        }
    }

    /** http_protocols accepts h3 as Gunicorn does, but jgunicorn refuses it at start with the setting's name. */
    @Test
    void h3IsRefusedWithTheSettingsName() {
        Config c = TestServer.config(WorkerModel.GTHREAD).with(Settings.HTTP_PROTOCOLS, List.of("h3", "h2"));
        SettingException e = assertThrows(SettingException.class, () -> Http2Options.from(c));
        assertTrue(e.getMessage().contains("http_protocols") && e.getMessage().contains("h1, h2"), e.getMessage());
    }
}
