package dev.jgunicorn.settings;

import dev.jgunicorn.settings.python.Py;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How a setting's value is read from a command-line word and from a config-file value,
 * what range it allows, and how it is written back as a Python literal.
 * Config-file values arrive as the reader produces them: Long, Double, String, Boolean, null, List, Map.
 */
public interface ValueType<T> {

    /** Parses one command-line (or GUNICORN_CMD_ARGS) word. Throws IllegalArgumentException with the reason. */
    T parse(String word);

    /** Converts a config-file value. Throws IllegalArgumentException with the reason. */
    T fromConfig(Object value);

    /** The allowed values, in words: "an integer >= 0", "one of sync, gthread". */
    String describe();

    /** The value as a Python literal, for --print-config and rendered config files. */
    default String render(T value) {
        return Py.literal(value);
    }

    /** Repeatable flags append; other flags replace. */
    default boolean repeatable() {
        return false;
    }

    /** Adds a repeated word to the value so far (only for repeatable types). */
    default T append(T soFar, String word) {
        throw new UnsupportedOperationException();
    }

    // ---- the types Gunicorn's settings use ----------------------------------------------------

    static ValueType<Integer> integer(int min, int max) {
        return new IntType(min, max, false);
    }

    static ValueType<Integer> nonNegative() {
        return new IntType(0, Integer.MAX_VALUE, false);
    }

    /** An int written in any base, as Python's int(x, 0): umask 022 is octal. */
    static ValueType<Integer> anyBase(int min, int max) {
        return new IntType(min, max, true);
    }

    /** A non-negative count, or {@code auto} (stored as {@link IntOrAuto#AUTO}) for "size it from the machine". */
    static ValueType<Integer> countOrAuto() {
        return new IntOrAuto(new IntType(0, Integer.MAX_VALUE, false));
    }

    /** An integer in [min, max], or {@code auto} (stored as {@link IntOrAuto#AUTO}) for "size it from the JVM". */
    static ValueType<Integer> integerOrAuto(int min, int max) {
        return new IntOrAuto(new IntType(min, max, false));
    }

    static ValueType<Boolean> bool() {
        return BoolType.INSTANCE;
    }

    static ValueType<String> string() {
        return StringType.INSTANCE;
    }

    static ValueType<String> oneOf(String... allowed) {
        return new EnumType(List.of(allowed), Map.of());
    }

    static ValueType<String> oneOf(List<String> allowed, Map<String, String> aliases) {
        return new EnumType(allowed, aliases);
    }

    /** A list given by repeating the flag (bind, raw_env). */
    static ValueType<List<String>> repeated() {
        return ListType.REPEATED;
    }

    /** A list given as one comma-separated word (forwarded_allow_ips, forwarder_headers). */
    static ValueType<List<String>> commaList() {
        return ListType.COMMA;
    }

    static ValueType<Map<String, String>> dict() {
        return DictType.INSTANCE;
    }

    /** A comma-separated list of IP addresses or CIDR networks, or {@code *}, checked like Python's
     *  ipaddress.ip_network (no host bits set) without any DNS lookup (forwarded_allow_ips, proxy_allow_ips). */
    static ValueType<List<String>> addressList() {
        return new CheckedList(Networks::check, "a comma-separated list of IP addresses or networks (CIDR), or *");
    }

    /** A comma-separated list of fixed words, each at most once, order kept (http_protocols). */
    static ValueType<List<String>> commaListOf(String... allowed) {
        List<String> choices = List.of(allowed);
        return new CheckedList(items -> CheckedList.choices(items, choices),
                "a comma-separated list of " + String.join(", ", choices) + ", each at most once");
    }

    /** A name or a number, kept as text, since config files may write either (user, group, ssl_version). */
    static ValueType<String> nameOrNumber() {
        return NameOrNumberType.INSTANCE;
    }

    /** {@code inner}, or None in a config file meaning "not set" (sendfile, whose default is None). */
    static <T> ValueType<T> orNone(ValueType<T> inner) {
        return new OrNoneType<>(inner);
    }

    // ---- implementations ------------------------------------------------------------------------

    record IntType(int min, int max, boolean anyBase) implements ValueType<Integer> {
        @Override
        public Integer parse(String word) {
            String w = word.strip();
            long v;
            try {
                v = parseLong(w);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + word + "' is not an integer");
            }
            return check(v);
        }

        private long parseLong(String w) {
            boolean neg = w.startsWith("-");
            String digits = neg || w.startsWith("+") ? w.substring(1) : w;
            String lower = digits.toLowerCase(Locale.ROOT).replace("_", "");
            long v;
            if (lower.startsWith("0x")) v = Long.parseLong(lower.substring(2), 16);
            else if (lower.startsWith("0o")) v = Long.parseLong(lower.substring(2), 8);
            else if (lower.startsWith("0b")) v = Long.parseLong(lower.substring(2), 2);
            else if (anyBase && lower.length() > 1 && lower.startsWith("0")) v = Long.parseLong(lower.substring(1), 8);
            else v = Long.parseLong(lower);
            return neg ? -v : v;
        }

        @Override
        public Integer fromConfig(Object value) {
            if (value instanceof Boolean) throw new IllegalArgumentException("expected an integer, got a boolean");
            if (value instanceof Long l) return check(l);
            if (value instanceof Integer i) return check(i);
            if (value instanceof Double d && d == Math.rint(d)) return check(d.longValue());
            if (value instanceof String s) return parse(s);
            throw new IllegalArgumentException("expected an integer, got " + Py.typeName(value));
        }

        private Integer check(long v) {
            if (v < min || v > max) throw new IllegalArgumentException(v + " is out of range");
            return (int) v;
        }

        @Override
        public String describe() {
            if (max == Integer.MAX_VALUE) return "an integer >= " + min;
            return "an integer from " + min + " to " + max;
        }
    }

    record IntOrAuto(IntType inner) implements ValueType<Integer> {
        public static final int AUTO = -1;

        @Override
        public Integer parse(String word) {
            return word.strip().equalsIgnoreCase("auto") ? AUTO : inner.parse(word);
        }

        @Override
        public Integer fromConfig(Object value) {
            // the stored AUTO itself (an Integer: a config file's numbers arrive as Long, so its -1 stays refused)
            if (value instanceof Integer i && i == AUTO) return AUTO;
            return value instanceof String s && s.strip().equalsIgnoreCase("auto") ? AUTO : inner.fromConfig(value);
        }

        @Override
        public String describe() {
            return inner.describe() + ", or auto";
        }

        @Override
        public String render(Integer value) {
            return value != null && value == AUTO ? "'auto'" : Py.literal(value);
        }
    }

    enum BoolType implements ValueType<Boolean> {
        INSTANCE;

        @Override
        public Boolean parse(String word) {
            return switch (word.strip().toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes", "y", "on" -> true;
                case "false", "0", "no", "n", "off" -> false;
                default -> throw new IllegalArgumentException("'" + word + "' is not a boolean");
            };
        }

        @Override
        public Boolean fromConfig(Object value) {
            if (value instanceof Boolean b) return b;
            if (value instanceof String s) return parse(s);
            throw new IllegalArgumentException("expected True or False, got " + Py.typeName(value));
        }

        @Override
        public String describe() {
            return "True or False";
        }
    }

    enum StringType implements ValueType<String> {
        INSTANCE;

        @Override
        public String parse(String word) {
            return word;
        }

        @Override
        public String fromConfig(Object value) {
            if (value == null) return null;
            if (value instanceof String s) return s;
            throw new IllegalArgumentException("expected a string, got " + Py.typeName(value));
        }

        @Override
        public String describe() {
            return "a string";
        }
    }

    record EnumType(List<String> allowed, Map<String, String> aliases) implements ValueType<String> {
        @Override
        public String parse(String word) {
            String w = word.strip();
            if (allowed.contains(w)) return w;
            String lower = w.toLowerCase(Locale.ROOT);
            if (allowed.contains(lower)) return lower;
            if (aliases.containsKey(lower)) return aliases.get(lower);
            throw new IllegalArgumentException("'" + word + "' is not allowed");
        }

        @Override
        public String fromConfig(Object value) {
            if (value instanceof Boolean b) return parse(b ? "true" : "false");
            if (value == null) return parse("none");
            if (value instanceof String s) return parse(s);
            throw new IllegalArgumentException("expected a string, got " + Py.typeName(value));
        }

        @Override
        public String describe() {
            return "one of " + String.join(", ", allowed);
        }
    }

    enum ListType implements ValueType<List<String>> {
        REPEATED, COMMA;

        @Override
        public List<String> parse(String word) {
            if (this == REPEATED) return List.of(word);
            return Arrays.stream(word.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }

        @Override
        public List<String> fromConfig(Object value) {
            if (value == null) return List.of();
            if (value instanceof String s) return parse(s);
            if (value instanceof List<?> l) {
                List<String> out = new ArrayList<>();
                for (Object o : l) {
                    if (!(o instanceof String s)) throw new IllegalArgumentException("expected a list of strings, found " + Py.typeName(o));
                    out.add(s);
                }
                return List.copyOf(out);
            }
            throw new IllegalArgumentException("expected a list of strings, got " + Py.typeName(value));
        }

        @Override
        public String describe() {
            return this == REPEATED ? "a list of strings (repeat the flag)" : "a comma-separated list";
        }

        @Override
        public boolean repeatable() {
            return this == REPEATED;
        }

        @Override
        public List<String> append(List<String> soFar, String word) {
            List<String> out = new ArrayList<>(soFar);
            out.add(word);
            return List.copyOf(out);
        }
    }

    enum DictType implements ValueType<Map<String, String>> {
        INSTANCE;

        @Override
        public Map<String, String> parse(String word) {
            throw new IllegalArgumentException("a dict can only be set in the config file");
        }

        @Override
        public Map<String, String> fromConfig(Object value) {
            if (!(value instanceof Map<?, ?> m)) throw new IllegalArgumentException("expected a dict, got " + Py.typeName(value));
            Map<String, String> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
            return out;
        }

        @Override
        public String describe() {
            return "a dict of strings";
        }
    }

    /** A comma-separated list whose items {@code check} validates (and may normalise). */
    record CheckedList(java.util.function.UnaryOperator<List<String>> check, String description) implements ValueType<List<String>> {
        @Override
        public List<String> parse(String word) {
            return check.apply(ListType.COMMA.parse(word));
        }

        @Override
        public List<String> fromConfig(Object value) {
            return check.apply(ListType.COMMA.fromConfig(value));
        }

        @Override
        public String describe() {
            return description;
        }

        static List<String> choices(List<String> items, List<String> allowed) {
            List<String> out = new ArrayList<>();
            for (String item : items) {
                String w = item.strip().toLowerCase(Locale.ROOT);
                if (!allowed.contains(w)) throw new IllegalArgumentException("'" + item + "' is not allowed");
                if (out.contains(w)) throw new IllegalArgumentException("'" + item + "' is given twice");
                out.add(w);
            }
            return List.copyOf(out);
        }
    }

    /** IP address and network syntax, checked as Python's ipaddress module does, without DNS. */
    final class Networks {
        private Networks() {
        }

        private static List<String> check(List<String> entries) {
            for (String e : entries) {
                if (!e.equals("*")) checkNetwork(e);
            }
            return entries;
        }

        /** Python's ipaddress.ip_network(entry) in strict mode: a literal address, an optional /prefix, no host bits. */
        static void checkNetwork(String entry) {
            int slash = entry.indexOf('/');
            byte[] bytes = literal(slash < 0 ? entry : entry.substring(0, slash));
            if (bytes == null) throw new IllegalArgumentException("'" + entry + "' is not an IP address or network");
            int bits = bytes.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                String p = entry.substring(slash + 1);
                if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > bits) {
                    throw new IllegalArgumentException("'" + entry + "' has an invalid prefix length");
                }
                prefix = Integer.parseInt(p);
            }
            for (int i = prefix; i < bits; i++) {
                if ((bytes[i / 8] & (0x80 >>> (i % 8))) != 0) {
                    throw new IllegalArgumentException("'" + entry + "' has host bits set");
                }
            }
        }

        private static byte[] literal(String addr) {
            if (addr.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
                String[] parts = addr.split("\\.");
                byte[] out = new byte[4];
                for (int i = 0; i < 4; i++) {
                    if (parts[i].length() > 1 && parts[i].startsWith("0")) return null; // as Python: no leading zeros
                    int v = Integer.parseInt(parts[i]);
                    if (v > 255) return null;
                    out[i] = (byte) v;
                }
                return out;
            }
            int zone = addr.indexOf('%');
            String host = zone < 0 ? addr : addr.substring(0, zone);
            // Only hex digits, colons and dots: InetAddress then checks a literal and never asks DNS.
            if (!host.contains(":") || !host.matches("[0-9A-Fa-f:.]+")) return null;
            try {
                byte[] b = java.net.InetAddress.getByName(host).getAddress();
                if (b.length == 16) return b;
                byte[] mapped = new byte[16]; // ::ffff:a.b.c.d comes back as IPv4
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(b, 0, mapped, 12, 4);
                return mapped;
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
    }

    enum NameOrNumberType implements ValueType<String> {
        INSTANCE;

        @Override
        public String parse(String word) {
            String w = word.strip();
            if (w.isEmpty()) throw new IllegalArgumentException("empty value");
            return w;
        }

        @Override
        public String fromConfig(Object value) {
            if (value == null) return null;
            if (value instanceof Long || value instanceof Integer) return value.toString();
            if (value instanceof String s) return parse(s);
            throw new IllegalArgumentException("expected a name or a number, got " + Py.typeName(value));
        }

        @Override
        public String describe() {
            return "a name or a number";
        }
    }

    record OrNoneType<T>(ValueType<T> inner) implements ValueType<T> {
        @Override
        public T parse(String word) {
            return inner.parse(word);
        }

        @Override
        public T fromConfig(Object value) {
            return value == null ? null : inner.fromConfig(value);
        }

        @Override
        public String describe() {
            return inner.describe() + " or None";
        }

        @Override
        public String render(T value) {
            return value == null ? "None" : inner.render(value);
        }

        @Override
        public boolean repeatable() {
            return inner.repeatable();
        }

        @Override
        public T append(T soFar, String word) {
            return inner.append(soFar, word);
        }
    }

    /** Used in messages: the allowed values of several types joined. */
    static String join(List<String> words) {
        return words.stream().collect(Collectors.joining(", "));
    }
}
