package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpHandler;
import dev.jgunicorn.demo.Hello;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each -k/--worker-class means to a user: where handlers run, how many at once, and keep-alive. */
class WorkerModelTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** A handler that answers with its thread's name and records the most handlers running at once. */
    static final class Probe implements HttpHandler {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();
        final long sleepMs;

        Probe(long sleepMs) {
            this.sleepMs = sleepMs;
        }

        @Override
        public void handle(com.sun.net.httpserver.HttpExchange ex) throws java.io.IOException {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.decrementAndGet();
            }
            Thread t = Thread.currentThread();
            byte[] b = ((t.isVirtual() ? "virtual " : "platform ") + t.getName()).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }
    }

    private int peakWith(WorkerModel model, int threads, int clients) throws Exception {
        Probe probe = new Probe(300);
        ServerOptions o = ServerOptions.from(TestServer.config(model).with(Settings.THREADS, threads));
        try (TestServer s = new TestServer(o, probe)) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                all.add(client.sendAsync(HttpRequest.newBuilder(s.uri("/" + i)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (var f : all) assertEquals(200, f.get(20, TimeUnit.SECONDS).statusCode());
        }
        return probe.peak.get();
    }

    @Test
    void everyWorkerClassTheSettingAcceptsNamesAModelAndGeventIsVirtual() {
        for (WorkerModel m : WorkerModel.values()) {
            assertEquals(m, WorkerModel.of(Settings.WORKER_CLASS.parse(m.name().toLowerCase(java.util.Locale.ROOT))));
        }
        assertEquals(WorkerModel.VIRTUAL, WorkerModel.of(Settings.WORKER_CLASS.fromConfig("gevent")));
    }

    @Test
    void syncRunsOneRequestAtATimeAndClosesEachConnection() throws Exception {
        assertEquals(1, peakWith(WorkerModel.SYNC, 1, 4));
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.SYNC), new Hello())) {
            String r = s.raw("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(3));
            assertTrue(r.contains("Connection: close\r\n"), r);
            assertEquals(1, r.split("HTTP/1.1 200").length - 1, "sync answers one request per connection: " + r);
        }
    }

    @Test
    void gthreadRunsUpToThreadsAtOnce() throws Exception {
        assertEquals(3, peakWith(WorkerModel.GTHREAD, 3, 6));
    }

    @Test
    void virtualRunsEveryRequestOnItsOwnVirtualThread() throws Exception {
        assertEquals(8, peakWith(WorkerModel.VIRTUAL, 1, 8));
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.VIRTUAL), new Probe(0))) {
            assertEquals("virtual jgunicorn-vthread", client.send(HttpRequest.newBuilder(s.uri("/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        }
    }

    /**
     * Requests that arrive together start together: an event loop starts the handlers of one pass over its sockets
     * as one batch (VirtualThreadStarter), and each still gets its own thread. Here every handler waits until all
     * have begun; a batch run one handler after another would leave them waiting until the latch gives up.
     */
    @Test
    void virtualStartsRequestsThatArriveTogetherAtOnce() throws Exception {
        int n = 32;
        CountDownLatch allBegun = new CountDownLatch(n);
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.VIRTUAL), ex -> {
            allBegun.countDown();
            boolean together;
            try {
                together = allBegun.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            byte[] b = (together ? "together" : "alone").getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        })) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) sockets.add(new Socket("127.0.0.1", s.port));
                byte[] get = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                for (Socket c : sockets) c.getOutputStream().write(get); // in quick succession: the loops read several per pass
                for (Socket c : sockets) {
                    c.setSoTimeout(20_000);
                    String r = TestServer.readAll(c.getInputStream());
                    assertTrue(r.startsWith("HTTP/1.1 200") && r.endsWith("\r\n\r\ntogether"), r);
                }
            } finally {
                for (Socket c : sockets) c.close();
            }
        }
    }

    @Test
    void eventLoopRunsHandlersOnNettysLoopWithTheWholeBody() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.EVENTLOOP), ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            byte[] b = (Thread.currentThread().getName() + " " + body.length).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        })) {
            String name = client.send(HttpRequest.newBuilder(s.uri("/")).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000])).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(name.startsWith("jgunicorn-io"), name);
            assertTrue(name.endsWith(" 100000"), name);
        }
    }

    @Test
    void keepAliveReusesTheConnectionInThreadModels() throws Exception {
        try (TestServer s = new TestServer(TestServer.options(WorkerModel.GTHREAD), new Hello())) {
            String r = s.raw("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
            assertEquals(2, r.split("HTTP/1.1 200").length - 1, r);
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterKeepAliveSeconds() throws Exception {
        ServerOptions o = ServerOptions.from(TestServer.config(WorkerModel.GTHREAD).with(Settings.KEEPALIVE, 1));
        try (TestServer s = new TestServer(o, new Hello())) {
            long t0 = System.nanoTime();
            String r = s.raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(10));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(r.endsWith("Hello, World!"), r);
            assertTrue(ms < 8000, "the server closed the idle connection itself (took " + ms + " ms)");
        }
    }

    @Test
    void keepAliveDeadlineMovesWithEachRequest() throws Exception {
        // keepalive 1 s, header timeout 10 s: a request 600 ms after the last response still finds the connection
        // open, and the server closes it about a second after the final response, not at the header timeout.
        for (WorkerModel model : List.of(WorkerModel.GTHREAD, WorkerModel.EVENTLOOP)) {
            ServerOptions o = ServerOptions.from(TestServer.config(model).with(Settings.KEEPALIVE, 1)
                    .with(Settings.HEADER_TIMEOUT, 10));
            try (TestServer s = new TestServer(o, new Hello());
                 Socket socket = new Socket("127.0.0.1", s.port)) {
                socket.setSoTimeout(15_000);
                InputStream in = socket.getInputStream();
                for (int i = 0; i < 3; i++) {
                    socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String response = readResponse(in);
                    assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("Hello, World!"), model + ": " + response);
                    Thread.sleep(600);
                }
                long t0 = System.nanoTime();
                assertEquals(-1, in.read(), model + ": the server closes the idle connection");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 5_000, model + ": closed by the keep-alive deadline, not the 10 s header timeout (" + ms + " ms)");
            }
        }
    }

    /** One response with a Content-Length body, read byte by byte so nothing of the next one is consumed. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) throw new IOException("connection closed after: " + head);
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
        }
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    @Test
    void workerConnectionsCapsOpenConnections() throws Exception {
        ServerOptions o = ServerOptions.from(TestServer.config(WorkerModel.VIRTUAL).with(Settings.THREADS, 1)
                .with(Settings.WORKER_CONNECTIONS, 2));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        try (TestServer s = new TestServer(o, ex -> {
            started.incrementAndGet();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        })) {
            List<CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>();
            HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 4; i++) {
                all.add(fresh.sendAsync(HttpRequest.newBuilder(s.uri("/" + i)).build(), HttpResponse.BodyHandlers.discarding()));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (started.get() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
            Thread.sleep(500); // time for a third connection to be accepted, if the cap did not hold
            assertEquals(2, started.get(), "only worker_connections connections are served at once");
            release.countDown();
            for (var f : all) assertEquals(204, f.get(20, TimeUnit.SECONDS).statusCode());
            assertEquals(4, started.get());
            assertFalse(all.isEmpty());
        }
    }
}
