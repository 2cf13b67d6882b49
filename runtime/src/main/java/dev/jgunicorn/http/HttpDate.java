package dev.jgunicorn.http;

import io.netty.handler.codec.DateFormatter;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.Date;

/** The Date header value, formatted at most once per second, as text and as the encoded header line. */
public final class HttpDate {
    /** Final fields: a thread that reads {@code cached} sees a complete record without locking. */
    private record Cached(long second, String text, AsciiString ascii, byte[] line) {
    }

    private static volatile Cached cached = new Cached(-1, "", AsciiString.EMPTY_STRING, new byte[0]);

    private HttpDate() {
    }

    public static String now() {
        return current().text;
    }

    /** {@link #now()} as Netty's byte string, for HTTP/2 fields (HPACK hashes and compares its bytes). */
    public static AsciiString nowAscii() {
        return current().ascii;
    }

    /** {@code Date: <now>\r\n} in bytes, shared: callers must not modify it. */
    static byte[] headerLine() {
        return current().line;
    }

    private static Cached current() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != second) {
            String text = DateFormatter.format(new Date(second * 1000));
            c = new Cached(second, text, new AsciiString(text), ("Date: " + text + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            cached = c;
        }
        return c;
    }
}
