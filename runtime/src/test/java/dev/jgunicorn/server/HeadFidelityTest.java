package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLContext;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HEAD gets the header fields GET gets (RFC 9110 §9.3.2) and never a body, in every worker class and over TLS.
 * The app is the JDK's SimpleFileServer file handler, which for HEAD sets Content-Length itself and passes -1 to
 * sendResponseHeaders; the JDK's own HttpServer runs the same handler next to ours as the reference.
 */
class HeadFidelityTest {
    /** A file, a small text file, a directory listing, a redirect to it and a 404: each answered as GET and HEAD. */
    private static final List<String> PATHS = List.of("/big.bin", "/notes.txt", "/docs/", "/docs", "/missing.txt");
    private static final String HELLO = "hello";

    @TempDir
    static Path dir;
    static HttpHandler app;
    static HttpServer jdk;
    static Tls tls;
    static SSLContext clientTls;

    @BeforeAll
    static void start() throws Exception {
        Path site = Files.createDirectories(dir.resolve("site"));
        byte[] big = new byte[100_000];
        new Random(19).nextBytes(big);
        Files.write(site.resolve("big.bin"), big);
        Files.writeString(site.resolve("notes.txt"), "HEAD is GET without the body\n");
        Files.writeString(Files.createDirectories(site.resolve("docs")).resolve("a.txt"), "a");
        HttpHandler files = SimpleFileServer.createFileHandler(site.toAbsolutePath());
        app = ex -> (ex.getRequestURI().getPath().startsWith("/app/") ? (HttpHandler) HeadFidelityTest::sized : files).handle(ex);

        // The JDK's own server, not the provider HttpServer.create() finds on this classpath (jgunicorn's).
        HttpServerProvider builtIn = (HttpServerProvider) Class.forName("sun.net.httpserver.DefaultHttpServerProvider")
                .getConstructor().newInstance();
        jdk = builtIn.createHttpServer(new InetSocketAddress("127.0.0.1", 0), 0);
        jdk.createContext("/", app);
        jdk.start();

        TlsTest.selfSigned(dir);
        tls = Tls.fromFiles(dir, "cert.pem", "key.pem", null, 0, null, List.of());
        clientTls = TlsTest.clientContext(dir.resolve("cert.pem"), null);
    }

    @AfterAll
    static void stop() {
        jdk.stop(0);
    }

    /**
     * Apps that pass their length to sendResponseHeaders for GET and HEAD alike: /app/declared writes the body for
     * GET only (as the JDK requires), /app/naive writes it for HEAD too, /app/unclosed writes it for GET only and
     * never closes the exchange. /app/bad-length sets a Content-Length that is not a number and passes -1.
     */
    private static void sized(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        if (path.equals("/app/bad-length")) {
            ex.getResponseHeaders().set("Content-Length", "five");
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, HELLO.length());
        if (!head || path.equals("/app/naive")) ex.getResponseBody().write(HELLO.getBytes(StandardCharsets.US_ASCII));
        if (!path.equals("/app/unclosed")) ex.close();
    }

    static Stream<Arguments> workerClassesPlainAndTls() {
        return Arrays.stream(WorkerModel.values()).flatMap(m -> Stream.of(Arguments.of(m, false), Arguments.of(m, true)));
    }

    @ParameterizedTest(name = "{0} tls={1}")
    @MethodSource("workerClassesPlainAndTls")
    void fileHandlerHeadHasGetsFieldsAsTheJdkSendsThem(WorkerModel model, boolean overTls) throws Exception {
        try (TestServer ours = new TestServer(TestServer.options(model), app, overTls ? tls : null)) {
            for (String path : PATHS) {
                String what = model + (overTls ? " over TLS " : " ") + path;
                List<Response> mine = headThenGet(ours.port, overTls, path);
                List<Response> theirs = headThenGet(jdk.getAddress().getPort(), false, path);
                Response head = mine.get(0);
                Response get = mine.get(1);

                assertEquals(get.statusLine, head.statusLine, what);
                Map<String, List<String>> getFields = get.representation();
                // -1 for HEAD says "no body here", not "GET's body is empty": GET's Content-Length: 0 for -1 is left off
                if (head.values("content-length").isEmpty()) {
                    assertEquals(List.of("0"), getFields.remove("content-length"), what + ": HEAD has no Content-Length");
                }
                assertEquals(getFields, head.representation(), what + ": HEAD has the fields of GET");
                assertEquals(theirs.get(0).statusLine, head.statusLine, what);
                assertEquals(theirs.get(0).representation(), head.representation(), what + ": HEAD as the JDK sends it");
                assertEquals(theirs.get(1).representation(), get.representation(), what + ": GET as the JDK sends it");
                assertArrayEquals(theirs.get(1).body, get.body, what);
                assertEquals(model == WorkerModel.SYNC, head.closes(), what + ": keep-alive after HEAD except in sync");
                for (Response r : mine) {
                    assertEquals(List.of("jgunicorn"), r.values("server"), what);
                    assertEquals(1, r.values("date").size(), what);
                    assertTrue(r.values("date").get(0).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"),
                            what + ": " + r.values("date"));
                }
            }
        }
    }

    /**
     * A length passed to sendResponseHeaders for HEAD is sent as for GET, and the HEAD response leaves at once
     * whether the app then writes the body (dropped) or never closes the exchange. The JDK drops the length (and
     * logs a warning), which RFC 9110 §9.3.2 allows only for fields known once the content is generated.
     */
    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void lengthPassedForHeadIsSentAsForGet(WorkerModel model) throws Exception {
        try (TestServer ours = new TestServer(TestServer.options(model), app)) {
            for (String path : List.of("/app/declared", "/app/naive", "/app/unclosed")) {
                List<Response> mine = headThenGet(ours.port, false, path);
                String what = model + " " + path;
                assertEquals(List.of("5"), mine.get(0).values("content-length"), what + ": " + mine.get(0));
                assertEquals(mine.get(1).representation(), mine.get(0).representation(), what);
                assertEquals(model == WorkerModel.SYNC, mine.get(0).closes(), what + ": keep-alive after HEAD except in sync");
                assertEquals(HELLO, new String(mine.get(1).body, StandardCharsets.US_ASCII), what);
            }

            List<Response> mine = headThenGet(ours.port, false, "/app/declared");
            Map<String, List<String>> jdkHead = headThenGet(jdk.getAddress().getPort(), false, "/app/declared").get(0).representation();
            Map<String, List<String>> withoutLength = new TreeMap<>(mine.get(0).representation());
            withoutLength.remove("content-length");
            assertEquals(withoutLength, jdkHead, model.toString());
        }
    }

    /** The JDK would send "Content-Length: five" as is; jgunicorn refuses the app's response as for a bad value. */
    @Test
    void malformedContentLengthSetForHeadIsAServerError() throws Exception {
        try (TestServer ours = new TestServer(TestServer.options(WorkerModel.GTHREAD), app)) {
            String r = ours.raw("HEAD /app/bad-length HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
            assertTrue(r.startsWith("HTTP/1.1 500 Internal Server Error\r\n"), r);
            assertTrue(r.endsWith("\r\n\r\n"), "no body after the head: " + r);
        }
    }

    /** HEAD then GET (the last, with Connection: close) on one connection, a new one only when the server closed. */
    private static List<Response> headThenGet(int port, boolean overTls, String path) throws IOException {
        List<Response> responses = new ArrayList<>();
        Socket socket = null;
        InputStream in = null;
        try {
            for (String method : List.of("HEAD", "GET")) {
                boolean last = method.equals("GET");
                if (socket == null) {
                    socket = overTls ? clientTls.getSocketFactory().createSocket("127.0.0.1", port) : new Socket("127.0.0.1", port);
                    socket.setSoTimeout(10_000);
                    in = new BufferedInputStream(socket.getInputStream());
                }
                socket.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + (last ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                Response r = Response.read(in, method.equals("HEAD"));
                responses.add(r);
                if (last || r.closes()) {
                    // nothing may follow the response: no body bytes after a HEAD's head, nothing after a body
                    assertEquals(-1, in.read(), method + " " + path + ": bytes after " + r);
                    socket.close();
                    socket = null;
                }
            }
        } finally {
            if (socket != null) socket.close();
        }
        return responses;
    }

    record Response(String statusLine, List<String[]> fields, byte[] body) {
        /** The status line and fields up to the blank line, then Content-Length bytes of body unless for HEAD. */
        static Response read(InputStream in, boolean head) throws IOException {
            List<String> lines = new ArrayList<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int prev = -1;
            for (int c; (c = in.read()) != -1; prev = c) {
                if (prev == '\r' && c == '\n') {
                    String l = line.toString(StandardCharsets.ISO_8859_1);
                    line.reset();
                    if (l.isEmpty()) break;
                    lines.add(l);
                } else if (c != '\r') {
                    line.write(c);
                }
            }
            assertTrue(!lines.isEmpty() && lines.get(0).startsWith("HTTP/1.1 "), "a response starts here: " + lines);
            List<String[]> fields = new ArrayList<>();
            for (String l : lines.subList(1, lines.size())) {
                int colon = l.indexOf(':');
                fields.add(new String[]{l.substring(0, colon).toLowerCase(Locale.ROOT), l.substring(colon + 1).strip()});
            }
            Response r = new Response(lines.get(0), fields, new byte[0]);
            if (head) return r;
            int length = r.values("content-length").isEmpty() ? 0 : Integer.parseInt(r.values("content-length").get(0));
            byte[] body = in.readNBytes(length);
            assertEquals(length, body.length, "the whole body of " + r);
            return new Response(r.statusLine, fields, body);
        }

        List<String> values(String name) {
            return fields.stream().filter(f -> f[0].equals(name)).map(f -> f[1]).toList();
        }

        boolean closes() {
            return values("connection").stream().anyMatch(v -> v.equalsIgnoreCase("close"));
        }

        /**
         * The fields by lower-case name, without those that are the server's own and not the resource's: Date (the
         * second it was sent), Server (the JDK sends none) and Connection (hop by hop; sync closes after each).
         */
        Map<String, List<String>> representation() {
            Map<String, List<String>> m = new TreeMap<>();
            for (String[] f : fields) {
                if (!List.of("date", "server", "connection").contains(f[0])) m.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
            }
            return m;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(statusLine);
            for (String[] f : fields) sb.append(" | ").append(f[0]).append(": ").append(f[1]);
            return sb.toString();
        }
    }
}
