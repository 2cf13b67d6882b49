package dev.jgunicorn.conformance;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgunicorn.conformance.RawResponses.Response;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The HTTP/1 conformance kit's grader: replays a case's raw bytes on a new connection to a server that serves the
 * echo contract ({@link dev.jgunicorn.demo.Echo}) and grades the answers, with the rules, skips, timeouts and
 * messages of the kit's {@code http1_conformance.py}, so a case passes here exactly when it passes there.
 *
 * <p>A valid case passes with one echo response per request: status 200, the same method, the same path (and query,
 * when one is expected) after percent-decoding both sides, the echoed one tried as UTF-8 and as Latin-1, the same
 * body bytes, and every expected header among the echoed ones (names without case, values trimmed, equal to one of
 * them or inside their comma-joined list; names with {@code _} are not checked, Gunicorn drops them). An invalid
 * case passes when the server refuses it: a first response of 4xx, 501 or 505, a close without an answer, or no
 * answer at all where Gunicorn sends none either. Any 2xx fails it.
 */
public final class ConformanceKit {

    private static final int CONNECT_TIMEOUT_MS = 5_000;
    /** Reading stops after this long without data ... */
    private static final int QUIET_TIMEOUT_MS = 2_000;
    /** ... or this long in all. */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(8);

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ConformanceKit() {
    }

    /**
     * Why the kit does not grade this case, or null when it does: a case that needs settings unless the server was
     * started with them, and a valid case whose body ends before its Content-Length.
     */
    public static String skipReason(ConformanceCase c, boolean serverHasItsSettings) {
        if (c.cfg() != null && !serverHasItsSettings) return "needs the settings " + c.cfg();
        if (c.valid() && truncatedBody(c.raw())) {
            return "the body ends before its Content-Length: only a parser fed EOF can finish it";
        }
        return null;
    }

    /** Sends the case to the server and grades its answers: null when the case passes, otherwise why it fails. */
    public static String grade(String host, int port, ConformanceCase c) {
        Exchange answers;
        try {
            answers = exchange(host, port, c.raw(), c.expectedResponses());
        } catch (IOException e) {
            return "connect failed: " + e;
        }
        return c.valid() ? gradeValid(c.expect(), answers.responses)
                : gradeInvalid(c.expect(), answers.responses, answers.closed);
    }

    record Exchange(List<Response> responses, boolean closed) {
    }

    /** Writes {@code raw} at once and reads until the expected number of responses, a close, or a timeout. */
    static Exchange exchange(String host, int port, byte[] raw, int expectedResponses) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        boolean closed = false;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            s.setSoTimeout(QUIET_TIMEOUT_MS);
            try {
                s.getOutputStream().write(raw);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[65536];
                long deadline = System.nanoTime() + DEADLINE_NANOS;
                while (System.nanoTime() - deadline < 0) {
                    if (RawResponses.parse(data.toByteArray()).size() >= expectedResponses) break;
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (SocketTimeoutException quiet) {
                        break;
                    }
                    if (n < 0) {
                        closed = true;
                        break;
                    }
                    data.write(buf, 0, n);
                }
            } catch (SocketException resetOrBrokenPipe) {
                closed = true;
            }
        }
        return new Exchange(RawResponses.parse(data.toByteArray()), closed);
    }

    static String gradeValid(JsonNode expect, List<Response> responses) {
        if (responses.size() < expect.size()) {
            return "expected " + expect.size() + " response(s), got " + responses.size() + " " + statuses(responses);
        }
        for (int i = 0; i < expect.size(); i++) {
            JsonNode want = expect.get(i);
            Response response = responses.get(i);
            if (response.status() != 200) return "request " + i + ": status " + response.status() + ", expected 200";
            JsonNode echo = echo(response.body());
            if (echo == null) {
                byte[] start = Arrays.copyOf(response.body(), Math.min(80, response.body().length));
                return "request " + i + ": body is not echo JSON: " + PythonText.repr(start);
            }
            String method = want.get("method").asText();
            if (!echo.path("method").isTextual() || !echo.get("method").asText().equals(method)) {
                return "request " + i + ": method " + repr(echo.get("method")) + " != " + PythonText.repr(method);
            }
            // an authority-form target (CONNECT host:port) has no path to compare
            JsonNode parts = method.equals("CONNECT") ? null : want.get("uri_parts");
            if (parts != null && !parts.isEmpty()) {
                if (!samePath(parts.path("path").asText(""), text(echo.get("path")))) {
                    return "request " + i + ": path " + repr(echo.get("path")) + " != " + repr(parts.get("path"));
                }
                String query = parts.path("query").asText("");
                if (!query.isEmpty() && !samePath(query, text(echo.get("query")))) {
                    return "request " + i + ": query " + repr(echo.get("query")) + " != " + PythonText.repr(query);
                }
            }
            byte[] body = base64(text(echo.get("body_base64")));
            if (!Arrays.equals(body, base64(want.path("body_base64").asText("")))) {
                return "request " + i + ": body differs (" + body.length + " bytes received by the app)";
            }
            Map<String, List<String>> echoed = new HashMap<>();
            for (JsonNode header : echo.path("headers")) {
                echoed.computeIfAbsent(header.get(0).asText().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(PythonText.strip(header.get(1).asText()));
            }
            for (JsonNode header : want.path("headers")) {
                String name = header.get(0).asText(), value = header.get(1).asText();
                // Gunicorn drops names with an underscore (header_map=drop) for WSGI's sake; a Java app may see them
                if (name.contains("_")) continue;
                List<String> values = echoed.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
                String trimmed = PythonText.strip(value);
                if (!values.contains(trimmed) && !String.join(",", values).contains(trimmed)) {
                    return "request " + i + ": header " + name + ": " + PythonText.repr(value) + " not in "
                            + PythonText.repr(values);
                }
            }
        }
        return null;
    }

    static String gradeInvalid(JsonNode expect, List<Response> responses, boolean closed) {
        if (responses.stream().anyMatch(r -> r.status() >= 200 && r.status() < 300)) {
            return "accepted: answered " + statuses(responses);
        }
        if (!responses.isEmpty()) {
            int status = responses.get(0).status();
            return status >= 400 && status < 500 || status == 501 || status == 505 ? null : "answered " + status;
        }
        // refused by closing, or still waiting for bytes that never come, as Gunicorn does where it sends nothing
        if (closed || expect == null || !expect.hasNonNull("status")) return null;
        return "no answer and connection left open";
    }

    /** True when the head declares a Content-Length longer than the bytes after it. */
    static boolean truncatedBody(byte[] raw) {
        int headEnd = RawResponses.indexOf(raw, new byte[] {'\r', '\n', '\r', '\n'}, 0);
        // without a blank line the kit reads raw[:-1] as the head and counts the body from len(raw) - 3
        String head = new String(raw, 0, headEnd >= 0 ? headEnd : Math.max(raw.length - 1, 0), ISO_8859_1);
        String[] lines = head.split("\r\n", -1);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = colon < 0 ? lines[i] : lines[i].substring(0, colon);
            String value = colon < 0 ? "" : PythonText.stripAscii(lines[i].substring(colon + 1));
            if (PythonText.lowerAscii(PythonText.stripAscii(name)).equals("content-length")
                    && PythonText.isAsciiDigits(value)) {
                return BigInteger.valueOf(raw.length - headEnd - 4L).compareTo(new BigInteger(value)) < 0;
            }
        }
        return false;
    }

    /** The paths are the same bytes once percent-decoded; the echoed one is tried as UTF-8 and as Latin-1. */
    static boolean samePath(String expected, String echoed) {
        byte[] want = unquote(expected.getBytes(ISO_8859_1));
        if (Arrays.equals(want, unquote(echoed.getBytes(UTF_8)))) return true;
        return echoed.chars().allMatch(c -> c < 0x100) && Arrays.equals(want, unquote(echoed.getBytes(ISO_8859_1)));
    }

    /** Percent-decoding to bytes; a {@code %} not followed by two hex digits stays as it is. */
    static byte[] unquote(byte[] s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length);
        for (int i = 0; i < s.length; i++) {
            if (s[i] == '%' && i + 2 < s.length && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
                out.write(hex(s[i + 1]) << 4 | hex(s[i + 2]));
                i += 2;
            } else {
                out.write(s[i]);
            }
        }
        return out.toByteArray();
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }

    /** The echo JSON object, or null when the body is not one. */
    private static JsonNode echo(byte[] body) {
        try {
            JsonNode echo = JSON.readTree(body);
            return echo != null && echo.isObject() ? echo : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Python's {@code value or ""}: a missing or null field is the empty string. */
    private static String text(JsonNode n) {
        return n == null || n.isNull() ? "" : n.asText();
    }

    private static byte[] base64(String s) {
        return Base64.getMimeDecoder().decode(s);
    }

    private static String repr(JsonNode n) {
        return n == null || n.isNull() ? "None" : n.isTextual() ? PythonText.repr(n.asText()) : n.toString();
    }

    private static List<Integer> statuses(List<Response> responses) {
        return responses.stream().map(Response::status).toList();
    }
}
