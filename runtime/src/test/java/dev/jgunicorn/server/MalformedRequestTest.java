package dev.jgunicorn.server;

import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.demo.Echo;
import dev.jgunicorn.demo.Slow;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad bytes on a real socket get the right status and a closed connection; the app never sees them. */
class MalformedRequestTest {

    private static String status(String response) {
        int eol = response.indexOf("\r\n");
        return eol < 0 ? response : response.substring(0, eol);
    }

    private void refused(String request, String expectedStatus) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), ex -> {
            calls.incrementAndGet();
            new Echo().handle(ex);
        })) {
            String r = s.raw(request, Duration.ofSeconds(3));
            assertEquals(expectedStatus, status(r), r);
            assertTrue(r.contains("Connection: close\r\n"), r);
            assertEquals(0, calls.get(), "the app must not be called");
        }
    }

    @Test
    void contentLengthWithChunkedIsRefused() throws Exception {
        refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 400 Bad Request");
    }

    @Test
    void duplicateContentLengthIsRefused() throws Exception {
        refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 400 Bad Request");
    }

    @Test
    void unknownTransferCodingIs501() throws Exception {
        refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: rot13, chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 501 Not Implemented");
    }

    @Test
    void obsoleteFoldingIsRefused() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", "HTTP/1.1 400 Bad Request");
    }

    @Test
    void spaceBeforeColonIsRefused() throws Exception {
        refused("GET / HTTP/1.1\r\nHost : x\r\n\r\n", "HTTP/1.1 400 Bad Request");
    }

    @Test
    void controlCharacterInValueIsRefused() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", "HTTP/1.1 400 Bad Request");
    }

    @Test
    void duplicateHostIsRefused() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "HTTP/1.1 400 Bad Request");
    }

    @Test
    void longRequestLineIs414() throws Exception {
        refused("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 414 URI Too Long");
    }

    @Test
    void tooManyHeadersIs431() throws Exception {
        refused("GET / HTTP/1.1\r\nHost: x\r\n" + "X-A: b\r\n".repeat(101) + "\r\n", "HTTP/1.1 431 Request Header Fields Too Large");
    }

    @Test
    void badVersionIsRefused() throws Exception {
        String r;
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Echo())) {
            r = s.raw("GET / HTTP/2.0\r\nHost: x\r\n\r\n", Duration.ofSeconds(3));
        }
        assertTrue(status(r).startsWith("HTTP/1.1 505") || status(r).startsWith("HTTP/1.1 400"), r);
    }

    @Test
    void slowlorisIsCutOffAtTheHeaderDeadline() throws Exception {
        ServerOptions o = ServerOptions.from(TestServer.config(WorkerModel.GTHREAD).with(Settings.THREADS, 1)
                .with(Settings.HEADER_TIMEOUT, 1));
        try (TestServer s = new TestServer(o, new Slow())) {
            try (Socket sock = new Socket("127.0.0.1", s.port)) {
                sock.setSoTimeout(5000);
                OutputStream out = sock.getOutputStream();
                long t0 = System.nanoTime();
                out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                boolean cut = false;
                for (int i = 0; i < 40 && !cut; i++) {
                    Thread.sleep(100);
                    try {
                        out.write("X-A: b\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    } catch (java.io.IOException e) {
                        cut = true;
                    }
                }
                String r = TestServer.readAll(sock.getInputStream());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(r.isEmpty() || r.startsWith("HTTP/1.1 408"), r);
                assertTrue(ms < 4500, "cut off after about 1 s, took " + ms + " ms");
            }
            // the single app thread is free: a normal request is served at once
            String ok = s.raw("GET /?ms=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            assertTrue(ok.startsWith("HTTP/1.1 200 OK"), ok);
        }
    }
}
