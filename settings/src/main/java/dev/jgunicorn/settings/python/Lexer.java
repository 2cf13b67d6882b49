package dev.jgunicorn.settings.python;

import dev.jgunicorn.settings.ConfigFileException;
import dev.jgunicorn.settings.python.Token.Kind;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's tokens, one at a time: names, numbers (int and float literals, with underscores and 0x/0o/0b),
 * strings (quotes, triple quotes, r and f prefixes, escapes), operators, and NEWLINE at the end of a logical line.
 * Inside brackets a newline is whitespace; each token says whether its line is indented.
 */
final class Lexer {
    private static final List<String> OPS = List.of("**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=",
            "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "->", ":=", "<<", ">>");
    private static final String SINGLE = "+-*/%<>=()[]{},:;.@&|^~";
    private static final Pattern STRING_PREFIX = Pattern.compile("(?i)[rubf]|rb|br|fr|rf");
    // An '_' only between two digits, checked by a look-ahead over the whole literal: the repetition is then of a
    // character class, which Java's regex engine runs in a loop, not of a group, which it runs by recursion (a
    // StackOverflowError for a literal of a few thousand digits).
    private static final String UNDERSCORES_BETWEEN_DIGITS = "(?!_|.*(?:\\D_|_\\D|_$))";
    private static final String DIGITS = "\\d[\\d_]*";
    private static final Pattern INT = Pattern.compile(UNDERSCORES_BETWEEN_DIGITS + "(?:0[0_]*|[1-9][\\d_]*)");
    private static final Pattern RADIX = Pattern.compile("0([xob])(?!__|.*(?:[^0-9a-z]_|_[^0-9a-z]|_$))_?([0-9a-z][0-9a-z_]*)");
    private static final Pattern FLOAT = Pattern.compile(UNDERSCORES_BETWEEN_DIGITS + "(?:(" + DIGITS + "\\.(" + DIGITS
            + ")?|\\." + DIGITS + ")(e[-+]?" + DIGITS + ")?|" + DIGITS + "e[-+]?" + DIGITS + ")");

    private final String src;
    private final String file;
    private int pos;
    private int line;
    /** The brackets open at this point, innermost first: inside them newlines do not end a statement. */
    private final ArrayDeque<Token> open = new ArrayDeque<>();
    private boolean lineStart;
    private boolean lineHasTokens;

    Lexer(String src, String file, int line, boolean lineStart) {
        this.src = src;
        this.file = file;
        this.line = line;
        this.lineStart = lineStart;
    }

    /** The innermost bracket still open, or null: what a premature end of file leaves unclosed. */
    Token unclosed() {
        return open.peek();
    }

    private ConfigFileException error(int at, String reason) {
        return new ConfigFileException(file, at, reason);
    }

    Token next() throws ConfigFileException {
        boolean indented = false;
        while (true) {
            if (lineStart) { // measure the indentation of a new logical line
                int p = pos;
                while (p < src.length() && " \t\f".indexOf(src.charAt(p)) >= 0) p++;
                indented = p > pos;
                pos = p;
                lineStart = false;
            }
            if (pos >= src.length()) {
                if (lineHasTokens && open.isEmpty()) {
                    lineHasTokens = false;
                    return new Token(Kind.NEWLINE, "", null, line, false);
                }
                return new Token(Kind.EOF, "", null, line, false);
            }
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\f') {
                pos++;
            } else if (c == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n') pos++;
            } else if (c == '\\') {
                if (pos + 1 == src.length() || src.charAt(pos + 1) != '\n') { // at the end of the file too, as CPython
                    throw error(line, "syntax error: unexpected character after line continuation character");
                }
                pos += 2;
                line++;
            } else if (c == '\n') {
                pos++;
                line++;
                if (open.isEmpty()) { // inside brackets a newline is just whitespace
                    lineStart = true;
                    if (lineHasTokens) {
                        lineHasTokens = false;
                        return new Token(Kind.NEWLINE, "", null, line - 1, false);
                    }
                }
            } else {
                lineHasTokens = true;
                return token(c, indented);
            }
        }
    }

    private Token token(char c, boolean indented) throws ConfigFileException {
        int start = pos;
        if (Character.isLetter(c) || c == '_') {
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
            String word = src.substring(start, pos);
            if (pos < src.length() && (src.charAt(pos) == '\'' || src.charAt(pos) == '"')
                    && STRING_PREFIX.matcher(word).matches()) {
                return string(word.toLowerCase(Locale.ROOT), indented);
            }
            return new Token(Kind.NAME, word, null, line, indented);
        }
        if (isDigit(c) || (c == '.' && pos + 1 < src.length() && isDigit(src.charAt(pos + 1)))) return number(indented);
        if (c == '\'' || c == '"') return string("", indented);
        for (String op : OPS) {
            if (src.startsWith(op, pos)) {
                pos += op.length();
                return new Token(Kind.OP, op, null, line, indented);
            }
        }
        if (SINGLE.indexOf(c) >= 0) {
            pos++;
            Token t = new Token(Kind.OP, String.valueOf(c), null, line, indented);
            if ("([{".indexOf(c) >= 0) open.push(t);
            else if (")]}".indexOf(c) >= 0) open.poll();
            return t;
        }
        int cp = src.codePointAt(pos);
        throw error(line, String.format("syntax error: invalid character '%s' (U+%04X)", Character.toString(cp), cp));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Token number(boolean indented) throws ConfigFileException {
        int start = pos;
        boolean radix = src.startsWith("0", pos) && pos + 1 < src.length() && "xXoObB".indexOf(src.charAt(pos + 1)) >= 0;
        while (pos < src.length()) {
            char d = src.charAt(pos);
            boolean exponentSign = (d == '+' || d == '-') && !radix && (src.charAt(pos - 1) | 0x20) == 'e';
            if (Character.isLetterOrDigit(d) || d == '_' || d == '.' || exponentSign) pos++;
            else break;
        }
        String text = src.substring(start, pos);
        String t = text.toLowerCase(Locale.ROOT);
        Matcher m = RADIX.matcher(t);
        try {
            Object value;
            if (m.matches()) {
                int base = switch (m.group(1)) { case "x" -> 16; case "o" -> 8; default -> 2; };
                value = literalLong(new BigInteger(m.group(2).replace("_", ""), base), text);
            } else if (INT.matcher(t).matches()) {
                value = literalLong(new BigInteger(t.replace("_", "")), text);
            } else if (FLOAT.matcher(t).matches()) {
                value = Double.parseDouble(t.replace("_", ""));
            } else if (t.endsWith("j")) {
                throw error(line, "complex numbers (" + text + ") are not supported");
            } else if (t.matches("0[\\d_]+")) {
                throw error(line, "syntax error: leading zeros in decimal integer literals are not permitted ("
                        + text + "); use an 0o prefix for octal integers");
            } else {
                throw error(line, "syntax error: invalid number literal '" + text + "'");
            }
            return new Token(Kind.NUMBER, text, value, line, indented);
        } catch (NumberFormatException e) { // e.g. 0b12
            throw error(line, "syntax error: invalid number literal '" + text + "'");
        }
    }

    private long literalLong(BigInteger v, String text) throws ConfigFileException {
        if (v.bitLength() > 63) throw error(line, "integer literal " + text + " is too large (64-bit integers only)");
        return v.longValue();
    }

    private Token string(String prefix, boolean indented) throws ConfigFileException {
        int startLine = line;
        if (prefix.contains("b")) throw error(line, "bytes literals (b'...') are not supported");
        char q = src.charAt(pos);
        String triple = String.valueOf(q).repeat(3);
        boolean isTriple = src.startsWith(triple, pos);
        pos += isTriple ? 3 : 1;
        int start = pos;
        while (true) {
            if (pos >= src.length()) {
                throw error(startLine, "syntax error: unterminated " + (isTriple ? "triple-quoted " : "") + "string literal");
            }
            char c = src.charAt(pos);
            if (c == '\\') { // the escaped character never ends the string
                if (pos + 1 < src.length() && src.charAt(pos + 1) == '\n') line++;
                pos += 2;
                continue;
            }
            if (c == '\n') {
                if (!isTriple) throw error(startLine, "syntax error: unterminated string literal");
                line++;
            } else if (c == q && (!isTriple || src.startsWith(triple, pos))) {
                break;
            }
            pos++;
        }
        String body = src.substring(start, pos);
        pos += isTriple ? 3 : 1;
        String value = prefix.contains("r") ? body : unescape(body, startLine);
        return new Token(Kind.STRING, prefix, value, startLine, indented);
    }

    private String unescape(String s, int at) throws ConfigFileException {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'a' -> b.append('\007');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'v' -> b.append('\013');
                case '\\', '\'', '"' -> b.append(e);
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    String hex = i + n < s.length() ? s.substring(i + 1, i + 1 + n) : "";
                    if (!hex.matches("[0-9a-fA-F]{" + n + "}")) throw error(at, "syntax error: truncated \\" + e + " escape");
                    long cp = Long.parseLong(hex, 16);
                    if (cp > Character.MAX_CODE_POINT) throw error(at, "syntax error: illegal Unicode character \\" + e + hex);
                    b.appendCodePoint((int) cp);
                    i += n;
                }
                case 'N' -> throw error(at, "\\N{...} escapes are not supported");
                default -> {
                    if (e >= '0' && e <= '7') { // up to three octal digits
                        int j = i;
                        int v = 0;
                        while (j < s.length() && j < i + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') v = v * 8 + s.charAt(j++) - '0';
                        b.append((char) v);
                        i = j - 1;
                    } else {
                        b.append('\\').append(e); // Python keeps unknown escapes as they are
                    }
                }
            }
        }
        return b.toString();
    }
}
