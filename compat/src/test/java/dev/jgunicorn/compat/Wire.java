package dev.jgunicorn.compat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A raw HTTP/1.1 client: the request goes out byte for byte as written (so request targets such as
 * {@code /../etc/passwd} reach the server unnormalised) and the answer comes back as sent, framing included.
 */
final class Wire {
    private Wire() {
    }

    /** One request; {@code Connection: close} is added, so the server's answer ends the connection. */
    record Request(String method, String target, List<String> fields, byte[] body) {
        static Request get(String target, String... fields) {
            return new Request("GET", target, List.of(fields), new byte[0]);
        }

        static Request head(String target, String... fields) {
            return new Request("HEAD", target, List.of(fields), new byte[0]);
        }

        static Request send(String method, String target, String contentType, byte[] body) {
            return new Request(method, target, List.of("Content-Type: " + contentType), body);
        }

        @Override
        public String toString() {
            return method + " " + target + (fields.isEmpty() ? "" : " " + fields);
        }
    }

    /** The status line, the fields (names lower-cased, in order) and the body with its framing removed. */
    record Answer(String statusLine, List<String[]> fields, byte[] body) {
        /** The server closed the connection without a byte of answer. */
        static final Answer NONE = new Answer("(closed without an answer)", List.of(), new byte[0]);

        List<String> values(String name) {
            return fields.stream().filter(f -> f[0].equals(name)).map(f -> f[1]).toList();
        }

        /**
         * Every field by name but those that belong to the server rather than the app's answer: Date (the second
         * it was sent), Server (the JDK sends none) and Connection (hop by hop; the request asked for close).
         */
        Map<String, List<String>> appFields() {
            Map<String, List<String>> m = new TreeMap<>();
            for (String[] f : fields) {
                if (!List.of("date", "server", "connection").contains(f[0])) {
                    m.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
                }
            }
            return m;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(statusLine);
            for (String[] f : fields) sb.append(" | ").append(f[0]).append(": ").append(f[1]);
            return sb.append(" | ").append(body.length).append(" body bytes").toString();
        }
    }

    static Answer exchange(int port, Request request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            StringBuilder head = new StringBuilder(request.method + " " + request.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            for (String f : request.fields) head.append(f).append("\r\n");
            if (request.body.length > 0) head.append("Content-Length: ").append(request.body.length).append("\r\n");
            head.append("Connection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(request.body);
            out.flush();

            InputStream in = new BufferedInputStream(s.getInputStream());
            List<String> lines = readHead(in);
            if (lines.isEmpty()) return Answer.NONE;
            assertTrue(lines.get(0).startsWith("HTTP/1.1 "), request + ": a response starts here: " + lines);
            List<String[]> fields = new ArrayList<>();
            for (String l : lines.subList(1, lines.size())) {
                int colon = l.indexOf(':');
                fields.add(new String[]{l.substring(0, colon).toLowerCase(Locale.ROOT), l.substring(colon + 1).strip()});
            }
            Answer a = new Answer(lines.get(0), fields, new byte[0]);
            byte[] body = readBody(in, request.method, a);
            assertEquals(-1, in.read(), request + ": nothing may follow the answer " + a);
            return new Answer(a.statusLine, fields, body);
        }
    }

    private static byte[] readBody(InputStream in, String method, Answer a) throws IOException {
        int status = Integer.parseInt(a.statusLine.substring(9, 12));
        if (method.equals("HEAD") || status == 204 || status == 304) return new byte[0];
        if (a.values("transfer-encoding").stream().anyMatch(v -> v.equalsIgnoreCase("chunked"))) return dechunk(in);
        if (!a.values("content-length").isEmpty()) {
            int length = Integer.parseInt(a.values("content-length").get(0));
            byte[] body = in.readNBytes(length);
            assertEquals(length, body.length, "the whole body of " + a);
            return body;
        }
        return in.readAllBytes();
    }

    private static byte[] dechunk(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            int semicolon = size.indexOf(';');
            int n = HexFormat.fromHexDigits(semicolon < 0 ? size.strip() : size.substring(0, semicolon).strip());
            if (n == 0) break;
            byte[] chunk = in.readNBytes(n);
            assertEquals(n, chunk.length, "a whole chunk");
            body.write(chunk);
            assertEquals("", line(in), "CRLF after a chunk");
        }
        readHead(in); // trailer fields, up to the blank line
        return body.toByteArray();
    }

    /** Lines up to the blank line that ends a head. */
    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l; !(l = line(in)).isEmpty(); ) lines.add(l);
        return lines;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        for (int c; (c = in.read()) != -1; prev = c) {
            if (prev == '\r' && c == '\n') break;
            if (prev == '\r') line.write('\r');
            if (c != '\r') line.write(c);
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
