package dev.jgunicorn.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Gunicorn's access log: {@code access_log_format} with its atoms ({@code %(h)s %(r)s ...}), one line per
 * request after the response is written, at INFO on the {@code gunicorn.access} logger.
 */
public final class AccessLog {
    public static final String DEFAULT_FORMAT = "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"";
    private static final Logger log = LoggerFactory.getLogger("gunicorn.access");
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("'['dd/MMM/yyyy:HH:mm:ss Z']'", Locale.ROOT);

    /** One piece of the format: literal text, or an atom name to look up. */
    private record Part(String literal, String atom) {
    }

    private final List<Part> parts;
    private final long pid = ProcessHandle.current().pid();

    public AccessLog(String format) {
        this.parts = parse(format);
    }

    private static List<Part> parse(String f) {
        List<Part> out = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < f.length()) {
            char c = f.charAt(i);
            if (c == '%' && i + 1 < f.length() && f.charAt(i + 1) == '%') {
                lit.append('%');
                i += 2;
            } else if (c == '%' && i + 1 < f.length() && f.charAt(i + 1) == '(') {
                int close = f.indexOf(')', i);
                if (close < 0) {
                    lit.append(f, i, f.length());
                    break;
                }
                // skip the conversion type after ')': s, d, r ... all render as text
                int end = close + 1;
                while (end < f.length() && "#0- +".indexOf(f.charAt(end)) >= 0) end++;
                while (end < f.length() && Character.isDigit(f.charAt(end))) end++;
                if (end < f.length()) end++;
                if (!lit.isEmpty()) out.add(new Part(lit.toString(), null));
                lit.setLength(0);
                out.add(new Part(null, f.substring(i + 2, close)));
                i = end;
            } else {
                lit.append(c);
                i++;
            }
        }
        if (!lit.isEmpty()) out.add(new Part(lit.toString(), null));
        return List.copyOf(out);
    }

    void log(Exchange ex) {
        if (!log.isInfoEnabled()) return;
        long nanos = System.nanoTime() - ex.startNanos;
        StringBuilder sb = new StringBuilder(160);
        for (Part p : parts) {
            if (p.literal != null) sb.append(p.literal);
            else sb.append(atom(p.atom, ex, nanos));
        }
        log.info(sb.toString());
    }

    private String atom(String a, Exchange ex, long nanos) {
        switch (a) {
            case "h": return ip(ex);
            case "l": return "-";
            case "u": return user(ex);
            case "t": return CLF.format(ZonedDateTime.now());
            case "r": return escape(ex.getRequestMethod() + " " + ex.head().uri() + " " + ex.getProtocol());
            case "s": return Integer.toString(ex.getResponseCode());
            case "m": return ex.getRequestMethod();
            case "U": {
                URI u = ex.getRequestURI();
                return escape(u.getPath() == null ? "" : u.getPath());
            }
            case "q": {
                String q = ex.getRequestURI().getRawQuery();
                return q == null ? "" : escape(q);
            }
            case "H": return ex.getProtocol();
            case "B":
            case "b": return Long.toString(ex.responseBytes());
            case "f": return header(ex, "Referer");
            case "a": return header(ex, "User-Agent");
            case "T": return Long.toString(nanos / 1_000_000_000L);
            case "M": return Long.toString(nanos / 1_000_000L);
            case "D": return Long.toString(nanos / 1_000L);
            case "L": return String.format(Locale.ROOT, "%.6f", nanos / 1e9);
            case "p": return "<" + pid + ">";
            default: return dynamic(a, ex);
        }
    }

    private static String dynamic(String a, Exchange ex) {
        if (a.length() > 3 && a.charAt(0) == '{' && a.charAt(a.length() - 2) == '}') {
            String name = a.substring(1, a.length() - 2);
            switch (a.charAt(a.length() - 1)) {
                case 'i': return header(ex, name);
                case 'o': {
                    String v = ex.getResponseHeaders().getFirst(name);
                    return v == null ? "-" : escape(v);
                }
                case 'e': return environ(name, ex);
                default: return "-";
            }
        }
        return "-";
    }

    /** The few WSGI environ keys Java apps have an equivalent for. */
    private static String environ(String key, Exchange ex) {
        InetSocketAddress r = ex.getRemoteAddress();
        return switch (key.toLowerCase(Locale.ROOT)) {
            case "remote_addr" -> ip(ex);
            case "remote_port" -> r == null ? "-" : Integer.toString(r.getPort());
            case "request_method" -> ex.getRequestMethod();
            case "server_protocol" -> ex.getProtocol();
            case "raw_uri" -> escape(ex.head().uri());
            case "wsgi.url_scheme" -> ex.head().scheme();
            default -> "-";
        };
    }

    /** The client's IP: the PROXY header's source when a trusted proxy sent one, else the socket's peer. */
    private static String ip(Exchange ex) {
        InetSocketAddress r = ex.getRemoteAddress();
        return r == null ? "" : r.getAddress().getHostAddress();
    }

    private static String header(Exchange ex, String name) {
        String v = ex.getRequestHeaders().getFirst(name);
        return v == null ? "-" : escape(v);
    }

    private static String user(Exchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Basic ", 0, 6)) return "-";
        try {
            String decoded = new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return escape(colon >= 0 ? decoded.substring(0, colon) : decoded);
        } catch (IllegalArgumentException e) {
            return "-";
        }
    }

    /** Gunicorn escapes only the double quote; control characters are escaped too, so a line stays one line. */
    private static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = c == '"' ? "\\\"" : c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : null;
            if (rep != null) {
                if (b == null) b = new StringBuilder(s.substring(0, i));
                b.append(rep);
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
