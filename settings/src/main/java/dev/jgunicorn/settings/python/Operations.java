package dev.jgunicorn.settings.python;

import static dev.jgunicorn.settings.python.Formatting.percent;
import static dev.jgunicorn.settings.python.Py.asDouble;
import static dev.jgunicorn.settings.python.Py.asLong;
import static dev.jgunicorn.settings.python.Py.isInt;
import static dev.jgunicorn.settings.python.Py.isNumber;
import static dev.jgunicorn.settings.python.Py.list;
import static dev.jgunicorn.settings.python.Py.literal;
import static dev.jgunicorn.settings.python.Py.typeName;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Python's operators on Python values: arithmetic with Python's int and float rules (floor division and modulo
 * round towards minus infinity; an int that would leave 64 bits is an error rather than a wrong number), + and *
 * on str, list and tuple, % formatting, comparisons (== across int and float, ordering of sequences, in, is),
 * iteration, and subscripts with slices.
 */
final class Operations {
    private Operations() {
    }

    /** The key of {@code x[a:b]}. */
    record Slice(Object start, Object stop) {
    }

    static Object binop(String op, Object a, Object b) {
        if (isNumber(a) && isNumber(b)) return arithmetic(op, a, b);
        switch (op) {
            case "+" -> {
                if (a instanceof String x && b instanceof String y) return x + y;
                if (a instanceof List<?> x && b instanceof List<?> y && (x instanceof Tuple) == (y instanceof Tuple)) {
                    List<Object> all = new ArrayList<>(x);
                    all.addAll(y);
                    return x instanceof Tuple ? new Tuple(all) : list(all);
                }
            }
            case "*" -> {
                if (isInt(b) && (a instanceof String || a instanceof List)) return repeat(a, asLong(b));
                if (isInt(a) && (b instanceof String || b instanceof List)) return repeat(b, asLong(a));
            }
            case "%" -> {
                if (a instanceof String s) return percent(s, b);
            }
            default -> { }
        }
        String hint = op.equals("+") && (a instanceof String || b instanceof String)
                ? " (use str(x) or an f-string to build text)" : "";
        throw new PyError("unsupported operand types for " + op + ": '" + typeName(a) + "' and '" + typeName(b) + "'" + hint);
    }

    private static Object repeat(Object seq, long n) {
        int size = seq instanceof String s ? s.length() : ((List<?>) seq).size();
        if (n > 0 && size > 0 && n > 10_000_000 / size) throw new PyError("repetition result is too large"); // no overflow
        int times = size == 0 ? 0 : (int) Math.max(0, n);
        if (seq instanceof String s) return s.repeat(times);
        List<Object> all = new ArrayList<>();
        for (int i = 0; i < times; i++) all.addAll((List<?>) seq);
        return seq instanceof Tuple ? new Tuple(all) : list(all);
    }

    private static Object arithmetic(String op, Object a, Object b) {
        if (isInt(a) && isInt(b) && !op.equals("/")) {
            long x = asLong(a);
            long y = asLong(b);
            if (y == 0 && (op.equals("//") || op.equals("%"))) throw new PyError("division by zero");
            if (op.equals("**") && y < 0) return arithmetic(op, (double) x, (double) y);
            try {
                return switch (op) {
                    case "+" -> Math.addExact(x, y);
                    case "-" -> Math.subtractExact(x, y);
                    case "*" -> Math.multiplyExact(x, y);
                    case "//" -> Math.floorDivExact(x, y);
                    case "%" -> Math.floorMod(x, y);
                    default -> power(x, y);
                };
            } catch (ArithmeticException e) {
                throw new PyError("integer overflow: the result of " + op + " does not fit in 64 bits");
            }
        }
        double x = asDouble(a);
        double y = asDouble(b);
        if (y == 0 && (op.equals("/") || op.equals("//") || op.equals("%"))) throw new PyError("division by zero");
        return switch (op) {
            case "+" -> x + y;
            case "-" -> x - y;
            case "*" -> x * y;
            case "/" -> x / y;
            case "//" -> Math.floor(x / y);
            case "%" -> {
                double r = x % y;
                yield r != 0 && (r < 0) != (y < 0) ? r + y : r;
            }
            default -> {
                if (x == 0 && y < 0) throw new PyError("zero cannot be raised to a negative power");
                if (x < 0 && y != Math.rint(y)) throw new PyError("a negative number cannot be raised to a fractional power");
                double r = Math.pow(x, y);
                if (Double.isInfinite(r) && Double.isFinite(x) && Double.isFinite(y)) throw new PyError("float overflow in **");
                yield r;
            }
        };
    }

    private static long power(long base, long exp) {
        long result = 1;
        while (exp > 0) {
            if ((exp & 1) == 1) result = Math.multiplyExact(result, base);
            exp >>= 1;
            if (exp > 0) base = Math.multiplyExact(base, base);
        }
        return result;
    }

    static Object negate(Object v) {
        if (v instanceof Double d) return -d;
        if (!isInt(v)) throw new PyError("bad operand type for unary -: '" + typeName(v) + "'");
        if (asLong(v) == Long.MIN_VALUE) throw new PyError("integer overflow: the result of - does not fit in 64 bits");
        return -asLong(v);
    }

    static Object unaryPlus(Object v) {
        if (v instanceof Double) return v;
        if (!isInt(v)) throw new PyError("bad operand type for unary +: '" + typeName(v) + "'");
        return asLong(v);
    }

    static boolean compare(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> pyEquals(a, b);
            case "!=" -> !pyEquals(a, b);
            case "in" -> contains(b, a);
            case "not in" -> !contains(b, a);
            case "is" -> same(a, b);
            case "is not" -> !same(a, b);
            default -> {
                if (a instanceof Double x && x.isNaN() || b instanceof Double y && y.isNaN()) yield false;
                int c = order(a, b, op);
                yield switch (op) {
                    case "<" -> c < 0;
                    case "<=" -> c <= 0;
                    case ">" -> c > 0;
                    default -> c >= 0;
                };
            }
        };
    }

    private static boolean same(Object a, Object b) {
        return a == b || (a instanceof Boolean && a.equals(b));
    }

    static int order(Object a, Object b, String op) {
        if (isInt(a) && isInt(b)) return Long.compare(asLong(a), asLong(b));
        if (isNumber(a) && isNumber(b)) {
            double x = asDouble(a);
            double y = asDouble(b);
            return x < y ? -1 : x > y ? 1 : 0;
        }
        if (a instanceof String x && b instanceof String y) return Integer.signum(x.compareTo(y));
        if (a instanceof List<?> x && b instanceof List<?> y && (x instanceof Tuple) == (y instanceof Tuple)) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!pyEquals(x.get(i), y.get(i))) return order(x.get(i), y.get(i), op);
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new PyError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    private static boolean pyEquals(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) return isInt(a) && isInt(b) ? asLong(a) == asLong(b) : asDouble(a) == asDouble(b);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if ((x instanceof Tuple) != (y instanceof Tuple) || x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!pyEquals(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !pyEquals(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    private static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (item instanceof String t) return s.contains(t);
            throw new PyError("'in <string>' requires a str as left operand, not " + typeName(item));
        }
        if (container instanceof List<?> l) return l.stream().anyMatch(x -> pyEquals(x, item));
        if (container instanceof Map<?, ?> m) {
            hashable(item);
            return m.containsKey(item);
        }
        throw new PyError("argument of type '" + typeName(container) + "' is not iterable");
    }

    /** {@code obj[key]} of a dict, str, list or tuple; key may be a Slice. */
    static Object getItem(Object obj, Object key) {
        if (obj instanceof Map<?, ?> m) {
            hashable(key);
            if (m.containsKey(key)) return m.get(key);
            throw new PyError("KeyError: " + literal(key));
        }
        if (obj instanceof String || obj instanceof List) {
            List<?> seq = iterate(obj);
            String kind = typeName(obj);
            if (key instanceof Slice sl) {
                int n = seq.size();
                int lo = bound(sl.start(), 0, n);
                int hi = Math.max(lo, bound(sl.stop(), n, n));
                List<?> part = seq.subList(lo, hi);
                if (obj instanceof String) return part.stream().map(String.class::cast).collect(Collectors.joining());
                return obj instanceof Tuple ? new Tuple(part) : list(part);
            }
            if (!isInt(key)) throw new PyError(kind + " indices must be integers or slices, not " + typeName(key));
            long i = asLong(key);
            if (i < 0) i += seq.size();
            if (i < 0 || i >= seq.size()) throw new PyError(kind + " index out of range");
            return seq.get((int) i);
        }
        throw new PyError("'" + typeName(obj) + "' object is not subscriptable");
    }

    /** {@code obj[key] = v}: only a dict supports it (lists and tuples are unmodifiable here). */
    @SuppressWarnings("unchecked")
    static void setItem(Object obj, Object key, Object v) {
        if (!(obj instanceof Map)) throw new PyError("'" + typeName(obj) + "' object does not support item assignment");
        hashable(key);
        ((Map<Object, Object>) obj).put(key, v);
    }

    static List<?> iterate(Object v) {
        if (v instanceof List<?> l) return l;
        if (v instanceof String s) return s.codePoints().mapToObj(Character::toString).toList();
        if (v instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        throw new PyError("'" + typeName(v) + "' object is not iterable");
    }

    private static int bound(Object v, int absent, int n) {
        if (v == null) return absent;
        if (!isInt(v)) throw new PyError("slice indices must be integers or None, not " + typeName(v));
        long i = asLong(v);
        if (i < 0) i += n;
        return (int) Math.max(0, Math.min(n, i));
    }

    static void hashable(Object key) {
        if ((key instanceof List && !(key instanceof Tuple)) || key instanceof Map || key instanceof Slice) {
            throw new PyError("unhashable type: '" + typeName(key) + "'");
        }
    }
}
