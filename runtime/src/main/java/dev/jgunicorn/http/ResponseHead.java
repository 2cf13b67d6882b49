package dev.jgunicorn.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Encodes a response head straight into the buffer that will also carry the start of the body, so a small
 * response leaves in one buffer and one write. The fixed parts (status lines, Server, the Date line of the
 * current second) are bytes encoded once.
 */
public final class ResponseHead {
    private static final byte[][] STATUS_LINES = new byte[600][];
    private static final byte[] SERVER = ascii("Server: jgunicorn\r\n");
    private static final byte[] CONTENT_LENGTH = ascii("Content-Length: ");
    private static final byte[] CHUNKED = ascii("Transfer-Encoding: chunked\r\n");
    private static final byte[] CLOSE = ascii("Connection: close\r\n");
    private static final byte[] KEEP_ALIVE = ascii("Connection: keep-alive\r\n");
    private static final byte[] COLON = {':', ' '};
    private static final byte[] CRLF = {'\r', '\n'};

    static {
        for (int code = 100; code < STATUS_LINES.length; code++) STATUS_LINES[code] = encodeStatusLine(code);
    }

    private ResponseHead() {
    }

    /**
     * The head for {@code status} and the app's headers (framing headers left out: the server sets those), in a
     * buffer with {@code bodyRoom} more bytes of capacity for the body that follows. A header value with CR, LF or
     * NUL is refused with IllegalArgumentException before anything is allocated.
     *
     * @param contentLength the Content-Length to send, or -1 for none
     * @param connection    0: no Connection header, 1: {@code close}, 2: {@code keep-alive}
     */
    public static ByteBuf encode(Scratch b, ByteBufAllocator alloc, int status, Map<String, List<String>> headers,
                                 long contentLength, boolean chunked, int connection, int bodyRoom) {
        // Encoded on the heap and copied into the (direct) socket buffer once: many small copies into a direct
        // buffer each pay the NIO bounds and session checks (Netty does not use Unsafe on Java 25+).
        b.length = 0;
        b.put(status < STATUS_LINES.length ? STATUS_LINES[status] : encodeStatusLine(status));
        boolean hasDate = false;
        boolean hasServer = false;
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            String name = e.getKey();
            if (isFraming(name)) continue;
            hasDate |= name.equalsIgnoreCase("Date");
            hasServer |= name.equalsIgnoreCase("Server");
            for (String v : e.getValue()) {
                checkValue(name, v);
                b.put(name);
                b.put(COLON);
                b.put(v);
                b.put(CRLF);
            }
        }
        if (!hasServer) b.put(SERVER);
        if (!hasDate) b.put(HttpDate.headerLine());
        if (contentLength >= 0) {
            b.put(CONTENT_LENGTH);
            b.putDigits(contentLength);
            b.put(CRLF);
        }
        if (chunked) b.put(CHUNKED);
        if (connection == 1) b.put(CLOSE);
        else if (connection == 2) b.put(KEEP_ALIVE);
        b.put(CRLF);
        ByteBuf buf = alloc.buffer(b.length + bodyRoom);
        buf.writeBytes(b.bytes, 0, b.length);
        return buf;
    }

    /**
     * The bytes of a head being encoded: one per connection, reused for each of its responses (a connection
     * encodes one head at a time), so encoding allocates nothing.
     */
    public static final class Scratch {
        private byte[] bytes = new byte[256];
        private int length;

        private void put(byte[] src) {
            room(src.length);
            System.arraycopy(src, 0, bytes, length, src.length);
            length += src.length;
        }

        /** Latin-1: each char is one byte (the JDK's own server writes headers the same way). */
        private void put(String s) {
            int n = s.length();
            room(n);
            for (int i = 0; i < n; i++) bytes[length + i] = (byte) s.charAt(i);
            length += n;
        }

        private void putDigits(long n) {
            if (n >= 10) putDigits(n / 10);
            room(1);
            bytes[length++] = (byte) ('0' + n % 10);
        }

        private void room(int n) {
            if (length + n > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
        }
    }

    /** Fields the server writes itself from the response's framing; the app's own are not sent. */
    public static boolean isFraming(String name) {
        return name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                || name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Keep-Alive");
    }

    /** Refuses header values that would split the response (CR, LF, NUL). */
    public static void checkValue(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("illegal character in response header " + name);
            }
        }
    }

    private static byte[] encodeStatusLine(int code) {
        return ascii("HTTP/1.1 " + code + " " + HttpResponseStatus.valueOf(code).reasonPhrase() + "\r\n");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
