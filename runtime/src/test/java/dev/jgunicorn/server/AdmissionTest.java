package dev.jgunicorn.server;

import com.sun.net.httpserver.HttpHandler;
import dev.jgunicorn.demo.Hello;
import dev.jgunicorn.demo.Slow;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * worker_connections keeps the server reachable: at the cap, connections that wait with nothing read make room for
 * new clients (silent ones first, then the longest idle keep-alive one), a request in progress keeps its
 * connection, and a connection that never sends a byte is closed within a few seconds.
 */
class AdmissionTest {
    private static final int CAP = 50;
    private static final String GET = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

    /** /slow is the demo Slow app (?ms=), anything else Hello. */
    private static final HttpHandler APP = ex -> {
        if (ex.getRequestURI().getPath().equals("/slow")) new Slow().handle(ex);
        else new Hello().handle(ex);
    };

    private static ServerOptions capped(WorkerModel model, Config more) {
        return ServerOptions.from(more.with(Settings.WORKER_CLASS, model.settingValue)
                .with(Settings.WORKER_CONNECTIONS, CAP).with(Settings.KEEPALIVE, 60));
    }

    private static Socket connect(TestServer s, int readTimeoutMs) throws IOException {
        Socket c = new Socket("127.0.0.1", s.port);
        c.setSoTimeout(readTimeoutMs);
        return c;
    }

    private static void send(Socket c, String request) throws IOException {
        OutputStream out = c.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads one response with a Content-Length body; its status line and body. */
    private static String response(Socket c) throws IOException {
        InputStream in = c.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed after " + head.length() + " bytes: " + head);
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
        }
        return head.substring(0, head.indexOf("\r\n")) + " " + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private static String exchange(Socket c) throws IOException {
        send(c, GET);
        return response(c);
    }

    /** What the server did within the socket's read timeout: CLOSED (EOF or reset), ANSWERED, or NOTHING. */
    private enum Outcome { CLOSED, ANSWERED, NOTHING }

    private static Outcome outcome(Socket c) {
        try {
            return c.getInputStream().read() < 0 ? Outcome.CLOSED : Outcome.ANSWERED;
        } catch (SocketTimeoutException stillOpen) {
            return Outcome.NOTHING;
        } catch (IOException reset) {
            return Outcome.CLOSED;
        }
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket c : sockets) c.close();
    }

    @Test
    void atTheCapTheLongestIdleKeepAliveConnectionMakesRoomAndARequestInProgressKeepsItsConnection() throws Exception {
        ServerOptions o = capped(WorkerModel.GTHREAD, TestServer.config(WorkerModel.GTHREAD).with(Settings.THREADS, 4));
        List<Socket> idle = new ArrayList<>();
        try (TestServer s = new TestServer(o, APP); Socket slow = connect(s, 10_000)) {
            send(slow, "GET /slow?ms=3000 HTTP/1.1\r\nHost: t\r\n\r\n"); // the oldest connection, mid-request
            for (int i = 1; i < CAP; i++) {
                Socket c = connect(s, 5_000);
                idle.add(c);
                assertTrue(exchange(c).startsWith("HTTP/1.1 200"));
            }
            try (Socket newcomer = connect(s, 5_000)) {
                assertTrue(exchange(newcomer).startsWith("HTTP/1.1 200"), "a new client is served at the cap");
            }
            assertEquals(Outcome.CLOSED, outcome(idle.getFirst()), "the longest idle keep-alive connection was closed");
            assertTrue(exchange(idle.getLast()).startsWith("HTTP/1.1 200"), "a recently idle one still serves");
            assertEquals("HTTP/1.1 200 OK slept 3000 ms\n", response(slow), "the request in progress was not cut");
        } finally {
            closeAll(idle);
        }
    }

    @Test
    void silentConnectionsAtTheCapGiveWayToAClientThatSendsItsRequest() throws Exception {
        ServerOptions o = capped(WorkerModel.VIRTUAL, TestServer.config(WorkerModel.VIRTUAL).with(Settings.HEADER_TIMEOUT, 30));
        List<Socket> silent = new ArrayList<>();
        try (TestServer s = new TestServer(o, APP)) {
            for (int i = 0; i < 4 * CAP; i++) silent.add(connect(s, 5_000));
            try (Socket probe = connect(s, 10_000)) { // answered once silent ones have had their 500 ms grace
                assertTrue(exchange(probe).startsWith("HTTP/1.1 200"), "the probe is answered while 200 connections stay silent");
            }
            assertEquals(Outcome.CLOSED, outcome(silent.getFirst()), "the oldest silent connection was closed to make room");
        } finally {
            closeAll(silent);
        }
    }

    @Test
    void whenTheConnectionThatMadeRoomStartsARequestNewClientsWaitInTheQueueInsteadOfBeingChurned() throws Exception {
        ServerOptions o = ServerOptions.from(TestServer.config(WorkerModel.GTHREAD).with(Settings.THREADS, 4)
                .with(Settings.WORKER_CONNECTIONS, 1).with(Settings.KEEPALIVE, 60));
        List<Socket> queued = new ArrayList<>();
        try (TestServer s = new TestServer(o, APP); Socket keepAlive = connect(s, 10_000)) {
            assertTrue(exchange(keepAlive).startsWith("HTTP/1.1 200")); // idle now: it could make room
            send(keepAlive, "GET /slow?ms=8000 HTTP/1.1\r\nHost: t\r\n\r\n"); // busy again: it cannot
            Thread.sleep(300); // the slow request has started
            for (int i = 0; i < 3; i++) {
                Socket c = connect(s, 1_000);
                queued.add(c);
                send(c, GET);
            }
            for (Socket c : queued) assertEquals(Outcome.NOTHING, outcome(c), "a client past the cap waits, neither served nor closed");
            assertEquals(1, s.server.worker().connectionCount(), "the worker holds its one connection");
            keepAlive.setSoTimeout(30_000);
            assertEquals("HTTP/1.1 200 OK slept 8000 ms\n", response(keepAlive));
            keepAlive.close(); // its slot frees: the queued clients are served one after another
            for (Socket c : queued) {
                c.setSoTimeout(10_000);
                assertTrue(response(c).startsWith("HTTP/1.1 200"), "a queued client is served once there is room");
                c.close();
            }
        } finally {
            closeAll(queued);
        }
    }

    /** Issue 16's flood: 2,000 idle connections (1,000 keep-alive, 1,000 silent) against a cap of 1,000. */
    @Test
    void twoThousandIdleConnectionsDoNotLockOutAProbe() throws Exception {
        int cap = 1000;
        ServerOptions o = ServerOptions.from(TestServer.config(WorkerModel.GTHREAD).with(Settings.THREADS, 4)
                .with(Settings.WORKER_CONNECTIONS, cap).with(Settings.KEEPALIVE, 60).with(Settings.HEADER_TIMEOUT, 30));
        List<Socket> idle = new ArrayList<>();
        try (TestServer s = new TestServer(o, APP)) {
            for (int i = 0; i < cap; i++) {
                Socket c = connect(s, 10_000);
                idle.add(c);
                assertTrue(exchange(c).startsWith("HTTP/1.1 200"));
            }
            for (int i = 0; i < cap; i++) idle.add(connect(s, 10_000));
            for (int i = 0; i < 5; i++) {
                try (Socket probe = connect(s, 10_000)) {
                    assertTrue(exchange(probe).startsWith("HTTP/1.1 200"), "probe " + i + " is answered");
                }
            }
            assertEquals(Outcome.CLOSED, outcome(idle.getFirst()), "the longest idle keep-alive connection made room");
        } finally {
            closeAll(idle);
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWellBeforeHeaderTimeout() throws Exception {
        ServerOptions o = ServerOptions.from(TestServer.config(WorkerModel.GTHREAD).with(Settings.HEADER_TIMEOUT, 60));
        try (TestServer s = new TestServer(o, APP); Socket c = connect(s, 15_000)) {
            assertEquals(Outcome.CLOSED, outcome(c), "closed, unanswered, at the first-byte deadline, not after 60 s");
        }
    }

    @Test
    void aPipelinedPartialHeadIsARequestInProgressNotAnIdleConnection() throws Exception {
        ServerOptions o = ServerOptions.from(TestServer.config(WorkerModel.GTHREAD).with(Settings.KEEPALIVE, 1));
        try (TestServer s = new TestServer(o, APP); Socket c = connect(s, 5_000)) {
            send(c, GET + "GET / HT"); // the second request's head is under way when the first is answered
            assertTrue(response(c).startsWith("HTTP/1.1 200"));
            Thread.sleep(1_500); // past keepalive, well within header_timeout
            send(c, "TP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(response(c).startsWith("HTTP/1.1 200"), "the head had header_timeout, not keepalive, to finish");
        }
    }

    @Test
    void eventLoopWorkerHoldsNoMoreThanWorkerConnections() throws Exception {
        ServerOptions o = capped(WorkerModel.EVENTLOOP, TestServer.config(WorkerModel.EVENTLOOP));
        List<Socket> uploading = new ArrayList<>();
        try (TestServer s = new TestServer(o, APP)) {
            for (int i = 0; i < CAP; i++) { // each in the middle of its request body: none may be closed for another
                Socket c = connect(s, 5_000);
                uploading.add(c);
                send(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
                // the 100 Continue shows the server read the head before the next client connects
                assertEquals("HTTP/1.1 100 Continue\r\n\r\n", new String(c.getInputStream().readNBytes(25), StandardCharsets.ISO_8859_1));
                send(c, "ab");
            }
            try (Socket waiting = connect(s, 1_000)) {
                send(waiting, GET);
                assertEquals(Outcome.NOTHING, outcome(waiting), "a client past the cap waits in the backlog");
                assertEquals(CAP, s.server.worker().connectionCount(), "the worker holds worker_connections, no more");
                send(uploading.getFirst(), "cd");
                assertTrue(response(uploading.getFirst()).startsWith("HTTP/1.1 200"));
                waiting.setSoTimeout(5_000);
                assertTrue(response(waiting).startsWith("HTTP/1.1 200"),
                        "the waiting client is admitted once a connection finished its request");
            }
            for (Socket c : uploading.subList(1, CAP)) {
                send(c, "cd");
                assertTrue(response(c).startsWith("HTTP/1.1 200"), "every upload in progress completes");
            }
        } finally {
            closeAll(uploading);
        }
    }
}
