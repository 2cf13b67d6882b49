package dev.jgunicorn.conformance;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

/**
 * Splits what a server sent on one connection into its responses by their framing: Content-Length, chunked, or
 * to the end. Interim 100, 102 and 103 responses are dropped; an incomplete last response is left out.
 */
final class RawResponses {

    /** One response; header names lower-cased, values trimmed, one list entry per header line. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] BLANK_LINE = {'\r', '\n', '\r', '\n'};

    private RawResponses() {
    }

    static List<Response> parse(byte[] data) {
        List<Response> out = new ArrayList<>();
        int at = 0;
        while (at < data.length) {
            int headEnd = indexOf(data, BLANK_LINE, at);
            if (headEnd < 0) break;
            String[] head = new String(data, at, headEnd - at, ISO_8859_1).split("\r\n", -1);
            String[] statusLine = head[0].split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) break;
            int status;
            try {
                status = Integer.parseInt(PythonText.strip(statusLine[1]));
            } catch (NumberFormatException e) {
                break;
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < head.length; i++) {
                int colon = head[i].indexOf(':');
                if (colon < 0) continue;
                headers.computeIfAbsent(PythonText.strip(head[i].substring(0, colon)).toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>()).add(PythonText.strip(head[i].substring(colon + 1)));
            }
            int rest = headEnd + BLANK_LINE.length;
            if (status == 100 || status == 102 || status == 103) {
                at = rest;
                continue;
            }
            byte[] body;
            if (headers.containsKey("content-length")) {
                int length = Integer.parseInt(PythonText.strip(headers.get("content-length").get(0)));
                if (data.length - rest < length) break;
                body = Arrays.copyOfRange(data, rest, rest + length);
                at = rest + length;
            } else if (String.join(",", headers.getOrDefault("transfer-encoding", List.of())).toLowerCase(Locale.ROOT)
                    .contains("chunked")) {
                Dechunked d = dechunk(data, rest);
                if (d == null) break;
                body = d.body;
                at = d.next;
            } else {
                body = Arrays.copyOfRange(data, rest, data.length);
                at = data.length;
            }
            out.add(new Response(status, headers, body));
        }
        return out;
    }

    private record Dechunked(byte[] body, int next) {
    }

    /** The chunked body starting at {@code at} and where the next response starts, or null while incomplete. */
    private static Dechunked dechunk(byte[] data, int at) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int eol = indexOf(data, CRLF, at);
            if (eol < 0) return null;
            String size = PythonText.stripAscii(new String(data, at, eol - at, ISO_8859_1).split(";", -1)[0]);
            int n = Integer.parseInt(size.isEmpty() ? "0" : size, 16);
            at = eol + CRLF.length;
            if (n == 0) {
                if (startsWith(data, at, CRLF)) return new Dechunked(body.toByteArray(), at + CRLF.length);
                int end = indexOf(data, BLANK_LINE, at);
                return end < 0 ? null : new Dechunked(body.toByteArray(), end + BLANK_LINE.length);
            }
            if (data.length - at < n + CRLF.length) return null;
            body.write(data, at, n);
            at += n + CRLF.length;
        }
    }

    static int indexOf(byte[] data, byte[] what, int from) {
        for (int i = Math.max(from, 0); i + what.length <= data.length; i++) {
            if (startsWith(data, i, what)) return i;
        }
        return -1;
    }

    private static boolean startsWith(byte[] data, int at, byte[] what) {
        return data.length - at >= what.length && Arrays.equals(data, at, at + what.length, what, 0, what.length);
    }
}
