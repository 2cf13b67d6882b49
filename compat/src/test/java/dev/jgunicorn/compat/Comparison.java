package dev.jgunicorn.compat;

import com.sun.net.httpserver.HttpServer;
import dev.jgunicorn.compat.Wire.Answer;
import dev.jgunicorn.compat.Wire.Request;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Sends each request to the JDK's server and to jgunicorn, both running the same app, and asserts the answers are
 * the same: status line, every field the app's answer carries (framing included: Content-Length or
 * Transfer-Encoding) and the body bytes. A difference passes only when {@link Deviation#ALLOWED} names it, and then
 * the JDK must still answer otherwise (an entry the JDK no longer needs fails as stale).
 */
final class Comparison {
    private Comparison() {
    }

    static void assertSameAnswers(String app, String server, HttpServer jdk, HttpServer ours, List<Request> requests)
            throws IOException {
        assertSameAnswers(app, server, jdk.getAddress().getPort(), ours.getAddress().getPort(), requests);
    }

    static void assertSameAnswers(String app, String server, int jdkPort, int ourPort, List<Request> requests)
            throws IOException {
        for (Request request : requests) {
            String what = app + " on " + server + ": " + request;
            Answer theirs = exchange("the JDK's server", jdkPort, request, what);
            Answer mine = exchange("jgunicorn", ourPort, request, what);
            String both = what + "\n  JDK:       " + theirs + "\n  jgunicorn: " + mine;
            assertEquals(List.of("jgunicorn"), mine.values("server"), "jgunicorn answered: " + both);
            assertEquals(List.of(), theirs.values("server"), "the JDK's server answered: " + both);
            Map<String, List<String>> theirFields = new TreeMap<>(theirs.appFields());
            Map<String, List<String>> myFields = new TreeMap<>(mine.appFields());

            String theirStatus = theirs.statusLine();
            Deviation allowed = Deviation.find(app, request);
            if (allowed != null && allowed.field().equals(Deviation.ANSWER)) {
                assertNotEquals(theirs.statusLine(), mine.statusLine(), "stale allow-list entry (" + allowed.rule() + "): " + both);
                assertEquals(allowed.jgunicorn(), mine.statusLine(), allowed.rule() + ": " + both);
                continue;
            }
            if (allowed != null) {
                boolean status = allowed.field().equals(Deviation.STATUS);
                List<String> their = status ? List.of(theirStatus) : theirFields.remove(allowed.field());
                List<String> my = status ? List.of(mine.statusLine()) : myFields.remove(allowed.field());
                assertNotEquals(their, my, "stale allow-list entry (" + allowed.rule() + "): " + both);
                assertEquals(allowed.jgunicorn(), my == null ? null : String.join(", ", my), allowed.rule() + ": " + both);
                if (status) theirStatus = mine.statusLine();
            }
            assertEquals(theirStatus, mine.statusLine(), both);
            assertEquals(theirFields, myFields, both);
            assertArrayEquals(theirs.body(), mine.body(), both);
        }
    }

    private static Answer exchange(String server, int port, Request request, String what) {
        try {
            return Wire.exchange(port, request);
        } catch (IOException | AssertionError e) {
            throw new AssertionError(what + ": no answer from " + server + ": " + e.getMessage(), e);
        }
    }
}
