package dev.jgunicorn.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request body deadline (body_timeout, body_min_rate): clients trickling their bodies a byte a second get 408
 * and lose their connection, the app threads blocked reading those bodies are freed with an IOException, and
 * honest clients, slow ones included, are served.
 */
@Timeout(60)
class BodyDeadlineTest {
    /** A body the tricklers never finish: at a byte a second they would hold a thread for over ten minutes. */
    private static final int TRICKLED_LENGTH = 1000;

    private final ListAppender<ILoggingEvent> access = new ListAppender<>();
    /** What each app thread got from reading its request body: the bytes read, or the exception. */
    private final BlockingQueue<Object> reads = new LinkedBlockingQueue<>();

    /** Reads the whole body and answers with its length. */
    private final HttpHandler readBody = exchange -> {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        } catch (IOException e) {
            reads.add(e);
            throw e;
        }
        reads.add(body.length);
        respond(exchange, String.valueOf(body.length));
    };

    @BeforeEach
    void captureAccessLog() {
        access.start();
        ((Logger) LoggerFactory.getLogger("gunicorn.access")).addAppender(access);
    }

    @AfterEach
    void releaseAccessLog() {
        ((Logger) LoggerFactory.getLogger("gunicorn.access")).detachAppender(access);
    }

    private static void respond(HttpExchange exchange, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, b.length);
        try (OutputStream o = exchange.getResponseBody()) {
            o.write(b);
        }
    }

    /** Options for {@code model} with a 1 s body timeout and a 100 bytes/s floor, and the access log on. */
    private static ServerOptions options(WorkerModel model, int threads) {
        return ServerOptions.from(TestServer.config(model).with(Settings.THREADS, threads)
                .with(Settings.BODY_TIMEOUT, 1).with(Settings.BODY_MIN_RATE, 100).with(Settings.ACCESSLOG, "-"));
    }

    /**
     * A client sending a body a byte a second, in its own thread, while another reads what comes back; {@link
     * #answer} is what the server sent before closing (empty when it never answered within the wait).
     */
    private static final class Trickler implements AutoCloseable {
        private final Socket socket;
        private final Thread writer;
        private final Thread reader;
        private volatile String answer;

        Trickler(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /trickle HTTP/1.1\r\nHost: x\r\nContent-Length: " + TRICKLED_LENGTH + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < TRICKLED_LENGTH; i++) {
                        out.write('x');
                        out.flush();
                        Thread.sleep(1000);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server hung up, or the test is over
                }
            });
            reader = Thread.ofVirtual().start(() -> {
                try {
                    answer = TestServer.readAll(socket.getInputStream());
                } catch (IOException e) {
                    answer = "";
                }
            });
        }

        /** Waits for the server to answer and close (or for the socket's read timeout). */
        String answer() throws InterruptedException {
            reader.join();
            return answer;
        }

        @Override
        public void close() throws IOException {
            writer.interrupt();
            socket.close();
        }
    }

    /** A GET on a fresh connection: its status line, or what went wrong. */
    private static String probe(TestServer s) {
        try {
            String r = s.raw("GET /probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(10));
            return r.isEmpty() ? "no answer" : r.substring(0, r.indexOf("\r\n"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void aTricklerGets408AndTheAppSeesAnIOException(WorkerModel model) throws Exception {
        try (TestServer s = new TestServer(options(model, 2), readBody); Trickler t = new Trickler(s.port)) {
            String answer = t.answer();
            assertTrue(answer.startsWith("HTTP/1.1 408 Request Timeout\r\n"), answer);
            assertTrue(answer.contains("\r\nConnection: close\r\n"), answer);
            if (model != WorkerModel.EVENTLOOP) { // the eventloop worker never hands an incomplete body to the app
                Object read = reads.poll(10, TimeUnit.SECONDS);
                IOException e = assertInstanceOf(IOException.class, read);
                assertTrue(e.getMessage().contains("body_timeout"), e.getMessage());
            }
            String served = s.raw("POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
                    Duration.ofSeconds(10));
            assertTrue(served.startsWith("HTTP/1.1 200 OK") && served.endsWith("\r\n5"), served);
            List<String> lines;
            synchronized (access) {
                lines = access.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            }
            assertTrue(lines.stream().anyMatch(l -> l.contains("\"POST /trickle HTTP/1.1\" 408 ")), lines.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(value = WorkerModel.class, names = {"GTHREAD", "VIRTUAL"})
    void tricklersOnEveryThreadCannotStarveTheWorker(WorkerModel model) throws Exception {
        int threads = 4;
        List<Trickler> tricklers = new ArrayList<>();
        try (TestServer s = new TestServer(options(model, threads), readBody)) {
            try {
                for (int i = 0; i < threads + 4; i++) tricklers.add(new Trickler(s.port));
                for (Trickler t : tricklers) {
                    String answer = t.answer();
                    assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
                }
                // every trickler is cut off: the threads they held serve the next clients
                for (int i = 0; i < 3; i++) assertEquals("HTTP/1.1 200 OK", probe(s));
            } finally {
                for (Trickler t : tricklers) t.close();
            }
        }
    }

    @Test
    void aSyncWorkerServesTheNextClientAfterATrickler() throws Exception {
        try (TestServer s = new TestServer(options(WorkerModel.SYNC, 1), readBody); Trickler t = new Trickler(s.port)) {
            // the probe waits behind the trickler on the single thread, and is served once the trickler is cut off
            assertEquals("HTTP/1.1 200 OK", probe(s));
            assertTrue(t.answer().startsWith("HTTP/1.1 408 "), t.answer());
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void aSlowButSteadyUploadIsServed(WorkerModel model) throws Exception {
        // 2000 bytes at about 400 bytes/s: over the 100 bytes/s floor, never idle for the 1 s timeout, and longer
        // in total than body_timeout plus what the bytes earn at the floor rate would allow without the idle rule
        try (TestServer s = new TestServer(options(model, 2), readBody);
             Socket sock = new Socket("127.0.0.1", s.port)) {
            sock.setSoTimeout(20_000);
            OutputStream out = sock.getOutputStream();
            out.write("POST /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2000\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 10; i++) {
                out.write(new byte[200]);
                out.flush();
                Thread.sleep(500);
            }
            String answer = TestServer.readAll(sock.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200 OK") && answer.endsWith("\r\n2000"), answer);
        }
    }

    @ParameterizedTest
    @EnumSource(value = WorkerModel.class, names = {"GTHREAD", "VIRTUAL", "SYNC"})
    void anAppThatReadsLateDoesNotTimeOutAFastClient(WorkerModel model) throws Exception {
        // The server stops reading a body the app is behind on; that time is not the client's.
        HttpHandler late = exchange -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            readBody.handle(exchange);
        };
        int length = 4 * 1024 * 1024;
        try (TestServer s = new TestServer(options(model, 2), late); Socket sock = new Socket("127.0.0.1", s.port)) {
            sock.setSoTimeout(20_000);
            Thread reader;
            String[] answer = new String[1];
            reader = Thread.ofVirtual().start(() -> {
                try {
                    answer[0] = TestServer.readAll(sock.getInputStream());
                } catch (IOException e) {
                    answer[0] = e.toString();
                }
            });
            OutputStream out = sock.getOutputStream();
            out.write(("POST /late HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                out.write(new byte[length]);
                out.flush();
            } catch (IOException cutOff) {
                // the server closed on us: the answer says why
            }
            reader.join();
            assertNotNull(answer[0]);
            assertTrue(answer[0].startsWith("HTTP/1.1 200 OK") && answer[0].endsWith("\r\n" + length), answer[0]);
        }
    }
}
