package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpHandler;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eventloop worker buffers whole request bodies under one memory budget per worker (eventloop_body_buffer):
 * uploads beyond it wait their turn unread instead of exhausting memory and being reset, a body above
 * eventloop_max_body gets 413, and every path gives its bytes back.
 */
@Timeout(60)
class EventloopBodyBufferTest {
    private static final int MIB = 1024 * 1024;

    /** A worker with a 1 MiB budget whose handler answers with the body's length. */
    private static TestServer server(int bodyTimeout) throws IOException {
        ServerOptions options = ServerOptions.from(TestServer.config(WorkerModel.EVENTLOOP)
                .with(Settings.EVENTLOOP_BODY_BUFFER, 1).with(Settings.EVENTLOOP_MAX_BODY, 1)
                .with(Settings.BODY_TIMEOUT, bodyTimeout).with(Settings.IO_THREADS, 2));
        HttpHandler echoLength = ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            byte[] answer = Integer.toString(body.length).getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        };
        return new TestServer(options, echoLength);
    }

    private static String head(int length, String extra) {
        return "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n" + extra + "Connection: close\r\n\r\n";
    }

    /** Sends one upload in full and returns the whole response (an IOException is a reset). */
    private static String upload(int port, int length) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(head(length, "").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < length; sent += chunk.length) out.write(chunk, 0, Math.min(chunk.length, length - sent));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static void awaitBudgetEmpty(TestServer t) throws InterruptedException {
        BodyBudget budget = t.server.worker().bodyBudget();
        for (int i = 0; i < 500 && budget.used() != 0; i++) Thread.sleep(20); // closes are processed asynchronously
        assertEquals(0, budget.used(), "bytes still reserved after every connection ended");
    }

    @Test
    void concurrentUploadsBeyondTheBudgetAllSucceedWithoutResets() throws Exception {
        int clients = 24;
        int length = 768 * 1024; // 24 x 768 KiB = 18 MiB through a 1 MiB budget: one body at a time fits
        try (TestServer t = server(60); ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) answers.add(pool.submit(() -> upload(t.port, length)));
            for (Future<String> a : answers) {
                String response = a.get(); // a reset would throw here
                assertTrue(response.startsWith("HTTP/1.1 200 ") && response.endsWith("\r\n\r\n" + length), response);
            }
            awaitBudgetEmpty(t);
        }
    }

    /** Issue 16: clients that declare a body and send none of it hold the budget only for a moment each. */
    @Test
    void clientsThatDeclareABodyAndSendNothingDoNotBlockAnHonestUpload() throws Exception {
        try (TestServer t = server(60)) {
            List<Socket> silent = new ArrayList<>();
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                for (int i = 0; i < 10; i++) { // 10 x 256 KiB declared: four of them fill the 1 MiB budget
                    Socket s = new Socket("127.0.0.1", t.port);
                    silent.add(s);
                    s.getOutputStream().write(head(256 * 1024, "").getBytes(StandardCharsets.US_ASCII));
                }
                Future<String> honest = pool.submit(() -> upload(t.port, 512 * 1024));
                // without giving way they would hold the budget for body_timeout (60 s)
                String response = honest.get(20, TimeUnit.SECONDS);
                assertTrue(response.startsWith("HTTP/1.1 200 ") && response.endsWith("\r\n\r\n" + 512 * 1024), response);
            } finally {
                for (Socket s : silent) s.close();
                pool.shutdownNow();
            }
            awaitBudgetEmpty(t);
        }
    }

    @Test
    void anUploadThatDoesNotFitIsNotReadUntilTheOneAheadIsDone() throws Exception {
        int length = 768 * 1024; // two of these do not fit in 1 MiB together
        try (TestServer t = server(60);
             Socket first = new Socket("127.0.0.1", t.port); Socket second = new Socket("127.0.0.1", t.port)) {
            first.setSoTimeout(10_000);
            first.getOutputStream().write(head(length, "Expect: 100-continue\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream firstIn = first.getInputStream();
            assertTrue(readLine(firstIn).startsWith("HTTP/1.1 100 "), "the first upload is asked for its body");
            readLine(firstIn);

            second.setSoTimeout(1_000);
            second.getOutputStream().write(head(length, "Expect: 100-continue\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream secondIn = second.getInputStream();
            assertThrows(SocketTimeoutException.class, secondIn::read, "the second upload is asked for its body while the first holds the budget");

            first.getOutputStream().write(new byte[length]);
            String firstResponse = new String(firstIn.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(firstResponse.startsWith("HTTP/1.1 200 "), firstResponse);

            second.setSoTimeout(10_000);
            assertTrue(readLine(secondIn).startsWith("HTTP/1.1 100 "), "the second upload's turn came");
            readLine(secondIn);
            second.getOutputStream().write(new byte[length]);
            String secondResponse = new String(secondIn.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(secondResponse.startsWith("HTTP/1.1 200 ") && secondResponse.endsWith("\r\n\r\n" + length), secondResponse);
        }
    }

    @Test
    void aBodyAboveTheLimitGets413NamingTheSetting() throws Exception {
        try (TestServer t = server(60)) {
            String response = t.raw(head(2 * MIB, ""), Duration.ofSeconds(10));
            assertTrue(response.startsWith("HTTP/1.1 413 ") && response.contains("eventloop_max_body"), response);
            String chunked = t.raw("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "100001\r\n" + "a".repeat(MIB + 1) + "\r\n0\r\n\r\n", Duration.ofSeconds(10));
            assertTrue(chunked.startsWith("HTTP/1.1 413 "), chunked.substring(0, Math.min(200, chunked.length())));
            awaitBudgetEmpty(t);
        }
    }

    @Test
    void theBudgetIsWhollyReturnedAfterAbuse() throws Exception {
        try (TestServer t = server(1); ExecutorService pool = Executors.newFixedThreadPool(12)) {
            List<Future<?>> abuse = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int kind = i % 6;
                abuse.add(pool.submit(() -> {
                    try (Socket s = new Socket("127.0.0.1", t.port)) {
                        s.setSoTimeout(10_000);
                        OutputStream out = s.getOutputStream();
                        switch (kind) {
                            case 0 -> { // half a body, then gone (holding or waiting for the budget)
                                out.write(head(600 * 1024, "").getBytes(StandardCharsets.US_ASCII));
                                out.write(new byte[300 * 1024]);
                            }
                            case 1 -> { // a chunked body that breaks framing
                                out.write(("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        + "10\r\nshort\r\nzz\r\n").getBytes(StandardCharsets.US_ASCII));
                                TestServer.readAll(s.getInputStream());
                            }
                            case 2 -> { // a head only, gone before sending a byte of its body
                                out.write(head(900 * 1024, "Expect: 100-continue\r\n").getBytes(StandardCharsets.US_ASCII));
                            }
                            case 3 -> { // half a body, then a reset
                                out.write(head(600 * 1024, "").getBytes(StandardCharsets.US_ASCII));
                                out.write(new byte[300 * 1024]);
                                s.setSoLinger(true, 0);
                            }
                            case 4 -> { // half a body, then silence until body_timeout answers 408
                                out.write(head(600 * 1024, "").getBytes(StandardCharsets.US_ASCII));
                                out.write(new byte[300 * 1024]);
                                String answer = TestServer.readAll(s.getInputStream());
                                assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 408 "), answer);
                            }
                            default -> upload(t.port, 512 * 1024); // an honest one among them
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : abuse) f.get();
            awaitBudgetEmpty(t);
            assertTrue(upload(t.port, 1024 * 1024).startsWith("HTTP/1.1 200 "), "a body the size of the whole budget still fits");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') sb.append((char) c);
        return sb.toString();
    }
}
