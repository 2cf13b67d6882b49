package dev.jgunicorn.server;

import io.netty.handler.codec.DateFormatter;

import java.util.Date;

/** The Date header value, formatted at most once per second. */
final class HttpDate {
    private record Cached(long second, String text) {
    }

    private static volatile Cached cached = new Cached(-1, "");

    private HttpDate() {
    }

    static String now() {
        long ms = System.currentTimeMillis();
        long second = ms / 1000;
        Cached c = cached;
        if (c.second != second) {
            c = new Cached(second, DateFormatter.format(new Date(second * 1000)));
            cached = c;
        }
        return c.text;
    }
}
