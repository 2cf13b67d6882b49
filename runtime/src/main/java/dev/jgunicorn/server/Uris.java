package dev.jgunicorn.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/** Turns a request-target that passed the parser into a {@link URI}, percent-encoding what java.net.URI refuses. */
final class Uris {
    private static final String HEX = "0123456789ABCDEF";

    private Uris() {
    }

    static URI parse(String target) {
        // An origin-form path may start with "//"; java.net.URI would read that as an authority, so give it an
        // explicit empty one and the path keeps every slash.
        String t = target.startsWith("//") ? "//" + target : target;
        try {
            return new URI(t);
        } catch (URISyntaxException e) {
            try {
                return new URI(escape(t));
            } catch (URISyntaxException e2) {
                // Authority-form (CONNECT host:port, [v6]:port) and other odd targets: an opaque path.
                return URI.create("/" + escape(target.replace("%", "%25")).replace(":", "%3A").replace("[", "%5B").replace("]", "%5D"));
            }
        }
    }

    /**
     * The decoded path of a request-target, as {@code parse(target).getPath()} gives it. An origin-form target made
     * of plain path characters (no escapes) is its own path up to '?' or '#', so it needs no URI.
     */
    static String path(String target) {
        int n = target.length();
        if (n == 0 || target.charAt(0) != '/' || (n > 1 && target.charAt(1) == '/')) return parse(target).getPath();
        for (int i = 1; i < n; i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') return target.substring(0, i);
            if (c >= 0x80 || !PATH_CHARS[c]) return parse(target).getPath();
        }
        return target;
    }

    /** java.net.URI's path characters apart from escapes: unreserved, punct, '/' and '@'. */
    private static final boolean[] PATH_CHARS = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) PATH_CHARS[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) PATH_CHARS[c] = true;
        for (char c = '0'; c <= '9'; c++) PATH_CHARS[c] = true;
        for (char c : "-_.!~*'(),;:$&+=/@".toCharArray()) PATH_CHARS[c] = true;
    }

    /** Percent-encodes bytes outside the URI character set (the parser hands targets over as Latin-1 text). */
    static String escape(String target) {
        StringBuilder b = new StringBuilder(target.length() + 16);
        for (byte x : target.getBytes(StandardCharsets.ISO_8859_1)) {
            int c = x & 0xff;
            if (c > 0x20 && c < 0x7f && "\"<>\\^`{|} ".indexOf(c) < 0) {
                b.append((char) c);
            } else {
                b.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 15));
            }
        }
        return b.toString();
    }
}
