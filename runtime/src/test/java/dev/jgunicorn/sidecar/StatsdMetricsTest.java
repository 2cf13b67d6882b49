package dev.jgunicorn.sidecar;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gunicorn's statsd lines, as captured from 23, 25 and 27, into the runtime's series; malformed lines are counted. */
class StatsdMetricsTest {
    private static double sample(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        return Double.NaN;
    }

    private static void send(StatsdMetrics m, String packet) {
        byte[] b = packet.getBytes(StandardCharsets.UTF_8);
        m.accept(b, b.length);
    }

    @Test
    void gunicornsLinesBecomeTheRuntimesSeries() {
        StatsdMetrics m = new StatsdMetrics("app", () -> -1);
        send(m, "app.gunicorn.workers:4|g");
        send(m, "app.gunicorn.request.duration:12.5|ms|#team:web,env:prod");
        send(m, "app.gunicorn.requests:1|c|@1.0|#team:web,env:prod");
        send(m, "app.gunicorn.request.status.200:1|c|@1.0|#team:web,env:prod");
        send(m, "app.gunicorn.request.duration:3000|ms\napp.gunicorn.request.status.503:1|c|@1.0\napp.gunicorn.requests:1|c|@1.0");
        send(m, "app.gunicorn.log.exception:1|c|@1.0");
        send(m, "app.gunicorn.backlog:7|h");
        String e = m.scrape();
        assertEquals(1, sample(e, "gunicorn_requests_total{status=\"200\"}"));
        assertEquals(1, sample(e, "gunicorn_requests_total{status=\"503\"}"));
        assertEquals(2, sample(e, "gunicorn_request_duration_seconds_count"));
        assertEquals(3.0125, sample(e, "gunicorn_request_duration_seconds_sum"), 1e-9, "ms become seconds");
        assertEquals(1, sample(e, "gunicorn_request_duration_seconds_bucket{le=\"0.025\"}"));
        assertEquals(2, sample(e, "gunicorn_request_duration_seconds_bucket{le=\"5.0\"}"));
        assertEquals(4, sample(e, "gunicorn_workers"));
        assertEquals(7, sample(e, "gunicorn_backlog"));
        assertEquals(1, sample(e, "gunicorn_log_total{level=\"exception\"}"));
        assertEquals(0, sample(e, "gunicorn_sidecar_statsd_malformed_total"));
        assertEquals(0, sample(e, "gunicorn_sidecar_statsd_ignored_total"));
    }

    @Test
    void malformedAndForeignLinesAreCountedAndChangeNothing() {
        StatsdMetrics m = new StatsdMetrics("", () -> -1);
        for (String bad : new String[]{"garbage", "gunicorn.requests", "gunicorn.requests:1", ":1|c", "gunicorn.requests:x|c",
                "gunicorn.request.duration:1|zz", "gunicorn.requests:1|c|@0", "gunicorn.requests:1|c|@abc", "gunicorn.workers:NaN|g",
                "gunicorn.request.status.200:1|c|junk", "\u0000\u00ff:|"}) {
            send(m, bad);
        }
        send(m, "other.app.hits:1|c");                 // another client's line on the same port
        send(m, "gunicorn.request.status.abc:1|c");    // not a status code: no label value a client can grow
        send(m, "gunicorn.request.duration:-1|ms");
        String e = m.scrape();
        assertEquals(11, sample(e, "gunicorn_sidecar_statsd_malformed_total"));
        assertEquals(3, sample(e, "gunicorn_sidecar_statsd_ignored_total"));
        assertFalse(e.contains("gunicorn_requests_total{"), e);
        assertEquals(0, sample(e, "gunicorn_request_duration_seconds_count"));
        assertFalse(e.contains("gunicorn_backlog"), "absent without enable_backlog_metric");
    }

    @Test
    void theWorkerCountComesFromTheProcessTableUntilGunicornSendsIt() {
        StatsdMetrics m = new StatsdMetrics("", () -> 3);
        assertEquals(3, sample(m.scrape(), "gunicorn_workers"));
        send(m, "gunicorn.workers:5|g");
        assertEquals(5, sample(m.scrape(), "gunicorn_workers"));
        send(m, "gunicorn.workers:-1|g");
        assertEquals(4, sample(m.scrape(), "gunicorn_workers"), "a signed gauge is relative, as statsd defines it");
    }

    @Test
    void aPrefixWithItsDotIsTheSameAsWithout() {
        StatsdMetrics m = new StatsdMetrics("app.", () -> -1);
        send(m, "app.gunicorn.request.status.404:1|c|@1.0");
        send(m, "gunicorn.request.status.404:1|c|@1.0"); // without the app's prefix: not this app's
        assertEquals(1, sample(m.scrape(), "gunicorn_requests_total{status=\"404\"}"));
        assertTrue(m.scrape().contains("gunicorn_sidecar_statsd_ignored_total 1.0"));
    }
}
