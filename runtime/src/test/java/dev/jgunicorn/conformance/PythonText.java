package dev.jgunicorn.conformance;

import dev.jgunicorn.settings.python.Py;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The few Python string operations the conformance kit's rules are written in, with Python's exact meaning:
 * which characters {@code str.strip()} and {@code bytes.strip()} remove, and {@code repr()} for the kit's messages.
 */
final class PythonText {

    private PythonText() {
    }

    /** {@code str.strip()}: removes the characters Python's {@code str.isspace()} accepts from both ends. */
    static String strip(String s) {
        int from = 0, to = s.length();
        while (from < to && isSpace(s.charAt(from))) from++;
        while (to > from && isSpace(s.charAt(to - 1))) to--;
        return s.substring(from, to);
    }

    /** {@code bytes.strip()} on Latin-1 text: removes ASCII whitespace only. */
    static String stripAscii(String s) {
        int from = 0, to = s.length();
        while (from < to && isAsciiSpace(s.charAt(from))) from++;
        while (to > from && isAsciiSpace(s.charAt(to - 1))) to--;
        return s.substring(from, to);
    }

    /** {@code str.lower()} restricted to ASCII, as {@code bytes.lower()} is. */
    static String lowerAscii(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return b.toString();
    }

    /** {@code bytes.isdigit()}: not empty, ASCII digits only. */
    static boolean isAsciiDigits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static boolean isSpace(char c) {
        // isspace() is true for bidirectional types WS, B and S and for category Zs: U+0085 is type B
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private static boolean isAsciiSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c;
    }

    /** {@code repr(str)}: the settings model's Python helpers have it. */
    static String repr(String s) {
        return Py.quote(s);
    }

    /** {@code repr(bytes)}. */
    static String repr(byte[] bytes) {
        boolean apostrophe = false, doubleQuote = false;
        for (byte x : bytes) {
            apostrophe |= x == '\'';
            doubleQuote |= x == '"';
        }
        char quote = apostrophe && !doubleQuote ? '"' : '\'';
        StringBuilder b = new StringBuilder(bytes.length + 3).append('b').append(quote);
        for (byte x : bytes) {
            int c = x & 0xff;
            if (c == '\\' || c == quote) b.append('\\').append((char) c);
            else if (c == '\t') b.append("\\t");
            else if (c == '\n') b.append("\\n");
            else if (c == '\r') b.append("\\r");
            else if (c >= 0x20 && c < 0x7f) b.append((char) c);
            else b.append(String.format("\\x%02x", c));
        }
        return b.append(quote).toString();
    }

    /** {@code repr(list)} of strings. */
    static String repr(List<String> list) {
        return list.stream().map(PythonText::repr).collect(Collectors.joining(", ", "[", "]"));
    }
}
