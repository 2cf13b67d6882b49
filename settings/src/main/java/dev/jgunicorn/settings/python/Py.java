package dev.jgunicorn.settings.python;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Python values on the JVM, and how Python names, tests and writes them, so that messages, printed configs and
 * rendered config files speak the config file's language. int is Long (a setting's Integer is an int too), float
 * is Double, str is String, bool is Boolean, None is null, list is an unmodifiable List, tuple is {@link Tuple},
 * dict is a Map.
 */
public final class Py {
    private Py() {
    }

    /** {@code type(v).__name__}. */
    public static String typeName(Object v) {
        if (v == null) return "NoneType";
        if (v instanceof Boolean) return "bool";
        if (v instanceof Long || v instanceof Integer) return "int";
        if (v instanceof Double) return "float";
        if (v instanceof String) return "str";
        if (v instanceof Tuple) return "tuple";
        if (v instanceof List) return "list";
        if (v instanceof Map) return "dict";
        if (v instanceof Namespace.Module) return "module";
        if (v instanceof Operations.Slice) return "slice";
        if (v instanceof Namespace.Func || v instanceof Namespace.Method) return "builtin_function_or_method";
        return v.getClass().getSimpleName();
    }

    /** {@code repr(v)}: for data, the Python literal that reads back as v; any other object is written as a str. */
    public static String literal(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double d) return floatRepr(d);
        if (v instanceof Number) return v.toString();
        if (v instanceof String s) return quote(s);
        if (v instanceof Tuple t) return t.size() == 1 ? "(" + literal(t.get(0)) + ",)" : join(t, "(", ")");
        if (v instanceof List<?> l) return join(l, "[", "]");
        if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().map(e -> literal(e.getKey()) + ": " + literal(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        if (v instanceof Namespace.Module m) return "<module '" + m.name() + "'>";
        if (v instanceof Namespace.Func f) return "<built-in function " + f.name() + ">";
        if (v instanceof Namespace.Method m) return "<built-in method " + m.name() + ">";
        return quote(v.toString());
    }

    private static String join(List<?> items, String open, String close) {
        return items.stream().map(Py::literal).collect(Collectors.joining(", ", open, close));
    }

    /**
     * {@code repr(s)}: single quotes unless s holds a ' and no ", backslash escapes for the quote, the backslash,
     * tab, newline and carriage return, and hexadecimal escapes (2, 4 or 8 digits) for what Python does not print:
     * controls, format characters, separators other than the space, unassigned code points (as far as the JVM's
     * Unicode tables agree with Python's).
     */
    public static String quote(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(q);
        s.codePoints().forEach(c -> {
            if (c == q || c == '\\') b.append('\\').appendCodePoint(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\r') b.append("\\r");
            else if (c == '\t') b.append("\\t");
            else if (printable(c)) b.appendCodePoint(c);
            else if (c <= 0xff) b.append(String.format("\\x%02x", c));
            else if (c <= 0xffff) b.append(String.format("\\u%04x", c));
            else b.append(String.format("\\U%08x", c));
        });
        return b.append(q).toString();
    }

    /** Python's str.isprintable() for one code point. */
    private static boolean printable(int c) {
        if (c == ' ') return true;
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** {@code str(v)}. */
    static String str(Object v) {
        return v instanceof String s ? s : literal(v);
    }

    /** {@code repr(d)}: the shortest digits that read back, in scientific notation below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return 1 / d < 0 ? "-0.0" : "0.0";
        // Double.toString gives the shortest digits that read back, but at least two: 4.9E-324 where Python has 5e-324
        BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        BigDecimal oneDigit = b.round(new MathContext(1, RoundingMode.HALF_EVEN));
        if (oneDigit.doubleValue() == d) b = oneDigit;
        int exp = b.precision() - b.scale() - 1;
        if (exp >= -4 && exp < 16) {
            String s = b.toPlainString();
            return s.contains(".") ? s : s + ".0";
        }
        String digits = b.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    /** {@code bool(v)}. */
    static boolean truthy(Object v) {
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof Long l) return l != 0;
        if (v instanceof Double d) return d != 0;
        if (v instanceof String s) return !s.isEmpty();
        if (v instanceof Collection<?> c) return !c.isEmpty();
        if (v instanceof Map<?, ?> m) return !m.isEmpty();
        return true;
    }

    /** A new Python list. */
    static List<Object> list(Collection<?> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    /** An int, which in Python a bool is too. */
    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return isInt(v) || v instanceof Double;
    }

    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static double asDouble(Object v) {
        return v instanceof Double d ? d : asLong(v);
    }
}
