package dev.jgunicorn.settings.python;

import static dev.jgunicorn.settings.python.Operations.iterate;
import static dev.jgunicorn.settings.python.Operations.order;
import static dev.jgunicorn.settings.python.Py.asDouble;
import static dev.jgunicorn.settings.python.Py.asLong;
import static dev.jgunicorn.settings.python.Py.floatRepr;
import static dev.jgunicorn.settings.python.Py.isInt;
import static dev.jgunicorn.settings.python.Py.isNumber;
import static dev.jgunicorn.settings.python.Py.list;
import static dev.jgunicorn.settings.python.Py.quote;
import static dev.jgunicorn.settings.python.Py.typeName;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The builtin functions and str methods a config file may call, on arguments already bound by the
 * {@link Namespace}: int(), float(), len(), abs(), round(), min(), max(), and strip, split, join, startswith,
 * endswith.
 */
final class Builtins {
    // '_' only between digits, as a look-ahead so that no group repeats (Java runs a repeated group by recursion)
    private static final Pattern FLOAT_TEXT = Pattern.compile(
            "(?!_|.*(?:\\D_|_\\D|_$))[+-]?(\\d[\\d_]*(\\.(\\d[\\d_]*)?)?|\\.\\d[\\d_]*)(e[+-]?\\d[\\d_]*)?");
    private static final Pattern RADIX_DIGITS = Pattern.compile("(?!.*(?:[^0-9a-z]_|_[^0-9a-z]|_$))[0-9a-z][0-9a-z_]*");

    private Builtins() {
    }

    static String requireStr(Object v, String what) {
        if (v instanceof String s) return s;
        throw new PyError(what + " must be a str, not " + typeName(v));
    }

    /** A str argument, or null for None. */
    static String optionalStr(Object v, String what) {
        return v == null ? null : requireStr(v, what);
    }

    static long toInt(Object v) {
        if (isInt(v)) return asLong(v);
        if (v instanceof Double d) {
            if (!Double.isFinite(d)) throw new PyError("cannot convert float " + floatRepr(d) + " to integer");
            if (Math.abs(d) >= 0x1p63) throw new PyError("integer overflow: " + floatRepr(d) + " does not fit in 64 bits");
            return (long) (double) d;
        }
        if (v instanceof String s) return parseInt(s, 10L);
        throw new PyError("int() argument must be a string or a number, not '" + typeName(v) + "'");
    }

    static long parseInt(Object v, Object baseArg) {
        if (!(v instanceof String s)) throw new PyError("int() can't convert non-string with explicit base");
        if (!isInt(baseArg)) throw new PyError("int() base must be an int, not " + typeName(baseArg));
        long base = asLong(baseArg);
        if (base != 0 && (base < 2 || base > 36)) throw new PyError("int() base must be >= 2 and <= 36, or 0");
        PyError invalid = new PyError("invalid literal for int() with base " + base + ": " + quote(s));
        String t = s.strip().toLowerCase(Locale.ROOT);
        String sign = t.startsWith("-") || t.startsWith("+") ? t.substring(0, 1) : "";
        t = t.substring(sign.length());
        int radix = (int) base;
        int prefixed = !t.startsWith("0") || t.length() < 2 ? 0 : switch (t.charAt(1)) {
            case 'x' -> 16;
            case 'o' -> 8;
            case 'b' -> 2;
            default -> 0;
        };
        if (prefixed != 0 && (radix == 0 || radix == prefixed)) {
            radix = prefixed;
            t = t.substring(t.startsWith("_", 2) ? 3 : 2);
        } else if (radix == 0) {
            radix = 10;
            if (t.startsWith("0") && !t.replace("_", "").matches("0+")) throw invalid; // no leading zeros with base 0
        }
        if (!RADIX_DIGITS.matcher(t).matches()) throw invalid;
        try {
            BigInteger n = new BigInteger(sign + t.replace("_", ""), radix);
            if (n.bitLength() > 63) throw new PyError("integer overflow: " + quote(s) + " does not fit in 64 bits");
            return n.longValue();
        } catch (NumberFormatException e) {
            throw invalid;
        }
    }

    static double toFloat(Object v) {
        if (isNumber(v)) return asDouble(v);
        if (!(v instanceof String s)) throw new PyError("float() argument must be a string or a real number, not '" + typeName(v) + "'");
        String t = s.strip().toLowerCase(Locale.ROOT);
        String unsigned = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        if (unsigned.equals("inf") || unsigned.equals("infinity")) return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (unsigned.equals("nan")) return Double.NaN;
        if (!FLOAT_TEXT.matcher(t).matches()) throw new PyError("could not convert string to float: " + quote(s));
        return Double.parseDouble(t.replace("_", ""));
    }

    static long len(Object v) {
        if (v instanceof String s) return s.codePointCount(0, s.length());
        if (v instanceof List<?> l) return l.size();
        if (v instanceof Map<?, ?> m) return m.size();
        throw new PyError("object of type '" + typeName(v) + "' has no len()");
    }

    static Object abs(Object v) {
        if (v instanceof Double d) return Math.abs(d);
        if (!isInt(v)) throw new PyError("bad operand type for abs(): '" + typeName(v) + "'");
        if (asLong(v) == Long.MIN_VALUE) throw new PyError("integer overflow: abs() does not fit in 64 bits");
        return Math.abs(asLong(v));
    }

    /** round(x) rounds half to even and gives an int; round(x, n) keeps the type. */
    static Object round(Object x, Object ndigits) {
        if (!isNumber(x)) throw new PyError("type " + typeName(x) + " doesn't define __round__ method");
        if (ndigits == null) return x instanceof Double d ? toInt(Math.rint(d)) : asLong(x);
        if (!isInt(ndigits)) throw new PyError("round() ndigits must be an int, not " + typeName(ndigits));
        int n = (int) Math.max(-400, Math.min(400, asLong(ndigits)));
        if (isInt(x)) {
            return n >= 0 ? asLong(x) : new BigDecimal(asLong(x)).setScale(n, RoundingMode.HALF_EVEN).longValue();
        }
        double d = (Double) x;
        return Double.isFinite(d) ? new BigDecimal(d).setScale(n, RoundingMode.HALF_EVEN).doubleValue() : d;
    }

    static Object minMax(String fn, List<Object> a, Map<String, Object> kw) {
        if (!kw.isEmpty()) throw new PyError(fn + "() keyword arguments are not supported");
        if (a.isEmpty()) throw new PyError(fn + "() expected at least 1 argument, got 0");
        List<?> items = a.size() == 1 ? iterate(a.get(0)) : a;
        if (items.isEmpty()) throw new PyError(fn + "() arg is an empty sequence");
        boolean min = fn.equals("min");
        Object best = items.get(0);
        for (Object x : items.subList(1, items.size())) {
            int c = order(x, best, min ? "<" : ">");
            if (min ? c < 0 : c > 0) best = x;
        }
        return best;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int i = 0;
        int j = s.length();
        while (left && i < j && (chars == null ? Character.isWhitespace(s.charAt(i)) : chars.indexOf(s.charAt(i)) >= 0)) i++;
        while (right && j > i && (chars == null ? Character.isWhitespace(s.charAt(j - 1)) : chars.indexOf(s.charAt(j - 1)) >= 0)) j--;
        return s.substring(i, j);
    }

    static String join(String separator, List<?> items) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof String item)) {
                throw new PyError("join(): sequence item " + i + ": expected str, " + typeName(items.get(i)) + " found");
            }
            b.append(i > 0 ? separator : "").append(item);
        }
        return b.toString();
    }

    /** s.startswith(x) or s.endswith(x), where x is a str or a tuple of them. */
    static boolean affix(String s, String method, Object arg) {
        for (Object o : arg instanceof Tuple t ? t : Collections.singletonList(arg)) {
            String x = requireStr(o, method + "() argument");
            if (method.equals("startswith") ? s.startsWith(x) : s.endsWith(x)) return true;
        }
        return false;
    }

    static List<Object> split(String s, String sep, long max) {
        List<Object> out = new ArrayList<>();
        if (sep == null) { // runs of whitespace, no empty strings
            int i = 0;
            while (true) {
                while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
                if (i >= s.length()) break;
                if (max >= 0 && out.size() == max) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < s.length() && !Character.isWhitespace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
        } else {
            if (sep.isEmpty()) throw new PyError("split(): empty separator");
            int i = 0;
            int j;
            while ((max < 0 || out.size() < max) && (j = s.indexOf(sep, i)) >= 0) {
                out.add(s.substring(i, j));
                i = j + sep.length();
            }
            out.add(s.substring(i));
        }
        return list(out);
    }
}
