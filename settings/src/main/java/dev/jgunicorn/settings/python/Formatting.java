package dev.jgunicorn.settings.python;

import static dev.jgunicorn.settings.python.Builtins.toInt;
import static dev.jgunicorn.settings.python.Py.asDouble;
import static dev.jgunicorn.settings.python.Py.asLong;
import static dev.jgunicorn.settings.python.Py.floatRepr;
import static dev.jgunicorn.settings.python.Py.isInt;
import static dev.jgunicorn.settings.python.Py.isNumber;
import static dev.jgunicorn.settings.python.Py.literal;
import static dev.jgunicorn.settings.python.Py.quote;
import static dev.jgunicorn.settings.python.Py.str;
import static dev.jgunicorn.settings.python.Py.typeName;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text built from values: f-string and str.format templates with their replacement fields ({expr!r:spec}),
 * the format-spec mini-language ([[fill]align][sign][#][0][width][,][.precision][type]) with Python's
 * rounding of floats, and printf-style {@code "%s:%d" % (host, port)}.
 */
final class Formatting {
    private Formatting() {
    }

    /** A replacement field {expr!conv:spec} of an f-string or a str.format template. */
    record Field(String expr, char conv, String spec) {
    }

    /** Splits a template into literal Strings and Fields; {{ and }} stand for literal braces. */
    static List<Object> template(String s) {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < n && s.charAt(i + 1) == c) {
                literal.append(c);
                i += 2;
                continue;
            }
            if (c == '}') throw new PyError("single '}' is not allowed");
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            int j = i + 1; // the expression ends at a '}', '!' or ':' outside brackets and quotes
            int depth = 0;
            char quote = 0;
            for (; j < n; j++) {
                char d = s.charAt(j);
                if (quote != 0) {
                    if (d == quote) quote = 0;
                } else if (d == '\'' || d == '"') {
                    quote = d;
                } else if ("([{".indexOf(d) >= 0) {
                    depth++;
                } else if (depth > 0 && ")]}".indexOf(d) >= 0) {
                    depth--;
                } else if (depth == 0 && (d == '}' || d == ':' || (d == '!' && (j + 1 >= n || s.charAt(j + 1) != '=')))) {
                    break;
                }
            }
            String expr = s.substring(i + 1, j);
            char conv = 0;
            String spec = "";
            if (j < n && s.charAt(j) == '!') {
                conv = j + 1 < n ? s.charAt(j + 1) : 0;
                if ("rsa".indexOf(conv) < 0) throw new PyError("invalid conversion character: expected 'r', 's' or 'a'");
                j += 2;
            }
            if (j < n && s.charAt(j) == ':') {
                int k = s.indexOf('}', j);
                spec = s.substring(j + 1, k < 0 ? n : k);
                if (spec.indexOf('{') >= 0) throw new PyError("nested replacement fields in format specs are not supported");
                j = k < 0 ? n : k;
            }
            if (j >= n || s.charAt(j) != '}') throw new PyError("expecting '}'");
            if (!literal.isEmpty()) {
                parts.add(literal.toString());
                literal.setLength(0);
            }
            parts.add(new Field(expr, conv, spec));
            i = j + 1;
        }
        if (!literal.isEmpty()) parts.add(literal.toString());
        return parts;
    }

    static String formatField(Object v, char conv, String spec) {
        return format(conv == 'r' || conv == 'a' ? literal(v) : conv == 's' ? str(v) : v, spec);
    }

    /** {@code "{} {0} {name}".format(...)}. */
    static String formatMethod(String s, List<Object> a, Map<String, Object> kw) {
        StringBuilder b = new StringBuilder();
        int auto = 0;
        for (Object p : template(s)) {
            if (!(p instanceof Field f)) {
                b.append(p);
                continue;
            }
            String name = f.expr().isEmpty() ? String.valueOf(auto++) : f.expr();
            Object v;
            if (name.matches("\\d{1,6}")) {
                int i = Integer.parseInt(name);
                if (i >= a.size()) throw new PyError("format(): replacement index " + i + " out of range for " + a.size() + " positional arguments");
                v = a.get(i);
            } else if (name.matches("[A-Za-z_]\\w*")) {
                if (!kw.containsKey(name)) throw new PyError("KeyError: format() has no argument " + quote(name));
                v = kw.get(name);
            } else {
                throw new PyError("format field {" + name + "} is not supported");
            }
            b.append(formatField(v, f.conv(), f.spec()));
        }
        return b.toString();
    }

    private static final Pattern SPEC = Pattern.compile(
            "(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\\d{1,4})?([,_])?(?:\\.(\\d{1,3}))?([bcdeEfFgGnosxX%])?", Pattern.DOTALL);

    /** format(v, spec), for the spec mini-language [[fill]align][sign][#][0][width][,][.precision][type]. */
    private static String format(Object v, String spec) {
        if (spec.isEmpty()) return str(v);
        Matcher m = SPEC.matcher(spec);
        if (!m.matches()) throw new PyError("invalid format spec '" + spec + "'");
        String fill = m.group(1) == null ? " " : m.group(1);
        char align = m.group(2) == null ? 0 : m.group(2).charAt(0);
        if (m.group(5) != null && align == 0) {
            fill = "0";
            align = '=';
        }
        int width = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
        Integer precision = m.group(8) == null ? null : Integer.valueOf(m.group(8));
        String type = m.group(9) == null ? "" : m.group(9);
        String prefix = "";
        String body;
        if (v instanceof String s) {
            if (!type.isEmpty() && !type.equals("s")) throw new PyError("unknown format code '" + type + "' for a str");
            body = precision == null ? s : s.substring(0, Math.min(precision, s.length()));
            if (align == 0) align = '<';
        } else if (isNumber(v)) {
            if (v instanceof Boolean) v = asLong(v);
            if (type.isEmpty()) {
                if (v instanceof Double && precision != null) throw new PyError("format spec '" + spec + "' needs a type for a float, e.g. '.2f'");
                type = v instanceof Long ? "d" : "r";
            }
            boolean negative;
            switch (type) {
                case "d", "x", "X", "o", "b" -> {
                    if (!(v instanceof Long l)) throw new PyError("format code '" + type + "' needs an int, not a float");
                    negative = l < 0;
                    int radix = switch (type) { case "d" -> 10; case "o" -> 8; case "b" -> 2; default -> 16; };
                    body = BigInteger.valueOf(l).abs().toString(radix);
                    if (m.group(4) != null && radix != 10) prefix = "0" + type;
                    if (type.equals("X")) body = body.toUpperCase(Locale.ROOT);
                }
                case "f", "F", "e", "E", "%", "r" -> {
                    double d = asDouble(v);
                    negative = d < 0 || (d == 0 && 1 / d < 0);
                    body = formatFloat(Math.abs(d), type, precision == null ? 6 : precision);
                }
                default -> throw new PyError("format code '" + type + "' is not supported");
            }
            if (m.group(7) != null && (type.equals("d") || type.equals("f") || type.equals("F") || type.equals("r"))) {
                body = group(body, m.group(7).charAt(0));
            }
            String sign = m.group(3) == null || m.group(3).equals("-") ? "" : m.group(3);
            prefix = (negative ? "-" : sign) + prefix;
            if (align == 0) align = '>';
        } else {
            throw new PyError("format spec '" + spec + "' cannot be applied to a " + typeName(v));
        }
        int pad = width - prefix.length() - body.length();
        if (pad <= 0) return prefix + body;
        return switch (align) {
            case '<' -> prefix + body + fill.repeat(pad);
            case '^' -> fill.repeat(pad / 2) + prefix + body + fill.repeat(pad - pad / 2);
            case '=' -> prefix + fill.repeat(pad) + body;
            default -> fill.repeat(pad) + prefix + body;
        };
    }

    /** A non-negative float in f, e, % or repr ("r") style; Python rounds the exact binary value half to even. */
    private static String formatFloat(double d, String type, int precision) {
        boolean upper = type.equals("F") || type.equals("E");
        if (!Double.isFinite(d)) {
            String s = Double.isNaN(d) ? "nan" : "inf";
            return (upper ? s.toUpperCase(Locale.ROOT) : s) + (type.equals("%") ? "%" : "");
        }
        switch (type) {
            case "r" -> {
                return floatRepr(d);
            }
            case "f", "F" -> {
                return new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
            }
            case "%" -> {
                return new BigDecimal(d).movePointRight(2).setScale(precision, RoundingMode.HALF_EVEN).toPlainString() + "%";
            }
            default -> { // e, E
                BigDecimal b = d == 0 ? BigDecimal.ZERO : new BigDecimal(d).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
                int exp = d == 0 ? 0 : b.precision() - b.scale() - 1;
                String digits = b.unscaledValue().toString();
                digits = (digits + "0".repeat(precision + 1)).substring(0, precision + 1);
                String mantissa = precision == 0 ? digits : digits.charAt(0) + "." + digits.substring(1);
                String e = mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
                return upper ? e.toUpperCase(Locale.ROOT) : e;
            }
        }
    }

    private static String group(String body, char separator) {
        int end = 0;
        while (end < body.length() && Character.isDigit(body.charAt(end))) end++;
        StringBuilder b = new StringBuilder(body.substring(0, end));
        for (int i = end - 3; i > 0; i -= 3) b.insert(i, separator);
        return b + body.substring(end);
    }

    private static final Pattern PERCENT = Pattern.compile("%([-+ #0]*)(\\d{1,4})?(?:\\.(\\d{1,3}))?(.)?", Pattern.DOTALL);

    /** {@code "%s:%d" % (host, port)}: the conversions s r a d i u f F e E x X o and %%. */
    static String percent(String fmt, Object arg) {
        List<?> args = arg instanceof Tuple t ? t : Collections.singletonList(arg);
        StringBuilder out = new StringBuilder();
        Matcher m = PERCENT.matcher(fmt);
        int used = 0;
        int i = 0;
        while (i < fmt.length()) {
            int k = fmt.indexOf('%', i);
            if (k < 0) {
                out.append(fmt, i, fmt.length());
                break;
            }
            out.append(fmt, i, k);
            if (fmt.startsWith("%(", k)) throw new PyError("'%(name)s' formatting is not supported");
            m.region(k, fmt.length());
            if (!m.lookingAt() || m.group(4) == null) throw new PyError("incomplete format");
            i = m.end();
            char type = m.group(4).charAt(0);
            if (type == '%') {
                out.append('%');
                continue;
            }
            if (used >= args.size()) throw new PyError("not enough arguments for format string");
            Object v = args.get(used++);
            String flags = m.group(1);
            String align = flags.contains("-") ? "<" : "";
            String sign = flags.contains("+") ? "+" : flags.contains(" ") ? " " : "";
            String zero = flags.contains("0") && align.isEmpty() ? "0" : "";
            String width = m.group(2) == null ? "" : m.group(2);
            String precision = m.group(3) == null ? "" : "." + m.group(3);
            String spec;
            switch (type) {
                case 's', 'r', 'a' -> {
                    v = type == 's' ? str(v) : literal(v);
                    spec = (align.isEmpty() ? ">" : "<") + width + precision;
                }
                case 'd', 'i', 'u' -> {
                    if (!isNumber(v)) throw new PyError("%" + type + " format: a real number is required, not " + typeName(v));
                    v = toInt(v);
                    spec = align + sign + zero + width + "d";
                }
                case 'x', 'X', 'o' -> {
                    if (!isInt(v)) throw new PyError("%" + type + " format: an integer is required, not " + typeName(v));
                    spec = align + sign + (flags.contains("#") ? "#" : "") + zero + width + type;
                }
                case 'f', 'F', 'e', 'E' -> {
                    if (!isNumber(v)) throw new PyError("%" + type + " format: a real number is required, not " + typeName(v));
                    v = asDouble(v);
                    spec = align + sign + zero + width + precision + type;
                }
                default -> throw new PyError("unsupported format character '" + type + "'");
            }
            out.append(format(v, spec));
        }
        if (used < args.size()) throw new PyError("not all arguments converted during string formatting");
        return out.toString();
    }
}
