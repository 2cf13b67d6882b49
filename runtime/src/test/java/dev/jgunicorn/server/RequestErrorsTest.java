package dev.jgunicorn.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.jgunicorn.demo.Echo;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client sees, in every worker class, when its request breaks the rules after its head was read or in ways
 * the head checks do not cover: a status, an access-log line and a closed connection, never silence or a hang.
 */
class RequestErrorsTest {
    private static final String CHUNKED_HEAD = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    private final ListAppender<ILoggingEvent> access = new ListAppender<>();
    private final ListAppender<ILoggingEvent> errors = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        attach("gunicorn.access", access);
        attach("gunicorn.error", errors);
    }

    @AfterEach
    void releaseLogs() {
        logger("gunicorn.access").detachAppender(access);
        logger("gunicorn.error").detachAppender(errors);
    }

    private static Logger logger(String name) {
        return (Logger) LoggerFactory.getLogger(name);
    }

    /** What the appender holds now: server threads append under the appender's lock, so copy under it too. */
    private static List<ILoggingEvent> logged(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    private static void attach(String name, ListAppender<ILoggingEvent> appender) {
        appender.start();
        logger(name).addAppender(appender);
        logger(name).setLevel(Level.DEBUG);
    }

    private static TestServer server(WorkerModel model) throws IOException {
        return new TestServer(ServerOptions.from(TestServer.config(model).with(Settings.ACCESSLOG, "-")), new Echo());
    }

    /** What came back before the server closed, and whether it did close (false: still open after the wait). */
    private record Answer(String text, boolean closed) {
        String status() {
            int eol = text.indexOf("\r\n");
            return eol < 0 ? text : text.substring(0, eol);
        }
    }

    private static Answer send(TestServer s, String request) throws IOException {
        try (Socket sock = new Socket("127.0.0.1", s.port)) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            StringBuilder sb = new StringBuilder();
            byte[] buf = new byte[8192];
            InputStream in = sock.getInputStream();
            try {
                for (int n; (n = in.read(buf)) > 0; ) sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            } catch (SocketTimeoutException stillOpen) {
                return new Answer(sb.toString(), false);
            }
            return new Answer(sb.toString(), true);
        }
    }

    static Stream<Arguments> badChunkSizes() {
        String[] bodies = {
                "10000000000000000\r\n",   // 2^64
                "8000000000000000\r\n",    // 2^63
                "0x5\r\nhello\r\n0\r\n\r\n",
                " 5\r\nhello\r\n0\r\n\r\n",
                "5 \r\nhello\r\n0\r\n\r\n",
                "5\r\nhelloXX0\r\n\r\n",   // no CRLF after the chunk data
                "5\nhello\r\n0\r\n\r\n",   // bare LF after the size
        };
        return Stream.of(WorkerModel.values()).flatMap(m -> Stream.of(bodies).map(b -> Arguments.of(m, b)));
    }

    @ParameterizedTest
    @MethodSource("badChunkSizes")
    void badChunkFramingIsAnswered400WithAnAccessLine(WorkerModel model, String body) throws Exception {
        Answer a;
        try (TestServer s = server(model)) {
            a = send(s, CHUNKED_HEAD + body);
        }
        assertEquals("HTTP/1.1 400 Bad Request", a.status(), a.text());
        assertTrue(a.text().contains("Connection: close\r\n"), a.text());
        assertTrue(a.closed(), "the connection must be closed after the 400");
        List<String> lines = logged(access).stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("\"POST /upload HTTP/1.1\" 400 "), lines.get(0));
    }

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void bareLfAfterTheRequestLineIsAnswered400(WorkerModel model) throws Exception {
        Answer a;
        try (TestServer s = server(model)) {
            a = send(s, "GET / HTTP/1.1\n"); // nothing follows: the server must not wait for a CRLF
        }
        assertEquals("HTTP/1.1 400 Bad Request", a.status(), a.text());
        assertTrue(a.text().contains("bare LF"), a.text());
        assertTrue(a.closed(), "the connection must be closed after the 400");
    }

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void http12IsServedAsHttp11LikeGunicorn(WorkerModel model) throws Exception {
        Answer a;
        try (TestServer s = server(model)) {
            a = send(s, "GET / HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n");
        }
        assertEquals("HTTP/1.1 200 OK", a.status(), a.text());
        assertTrue(a.text().contains("\"protocol\": \"HTTP/1.2\""), a.text());
    }

    @ParameterizedTest
    @EnumSource(WorkerModel.class)
    void expectContinueIsAnsweredBeforeTheBodyIsSent(WorkerModel model) throws Exception {
        try (TestServer s = server(model); Socket sock = new Socket("127.0.0.1", s.port)) {
            sock.setSoTimeout(10_000); // far above curl's 1 s: only a server that never answers fails
            OutputStream out = sock.getOutputStream();
            out.write(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = sock.getInputStream();
            String interim = new String(in.readNBytes("HTTP/1.1 100 Continue\r\n\r\n".length()), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", interim);
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            String rest = new String(in.readNBytes(15), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 200 OK", rest);
        }
    }

    static Stream<Arguments> clientsThatLeave() {
        String[] requests = {
                "GET / HT",                                                          // inside the request line
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",       // inside the body
                CHUNKED_HEAD + "5\r\nhel",                                           // inside a chunk
        };
        return Stream.of(WorkerModel.values()).flatMap(m -> Stream.of(requests).map(r -> Arguments.of(m, r)));
    }

    @ParameterizedTest
    @MethodSource("clientsThatLeave")
    @Timeout(30) // a server that never says why it closed would keep the wait below going
    void aClientThatLeavesIsLoggedAtDebugWithTheReason(WorkerModel model, String partial) throws Exception {
        try (TestServer s = server(model)) {
            try (Socket sock = new Socket("127.0.0.1", s.port)) {
                sock.getOutputStream().write(partial.getBytes(StandardCharsets.ISO_8859_1));
            }
            // the server notices the close on its own time: wait for what it logs about it, whatever it takes
            while (logged(errors).stream().noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
                    || e.getLevel() == Level.DEBUG && e.getFormattedMessage().contains("closed"))) {
                Thread.sleep(20);
            }
        }
        List<String> loud = logged(errors).stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(loud.isEmpty(), "a client that leaves is no warning: " + loud);
        assertFalse(logged(errors).stream().anyMatch(e -> e.getFormattedMessage().endsWith(": ")), logged(errors).toString());
    }
}
