package dev.jgunicorn.settings.python;

import static dev.jgunicorn.settings.python.Builtins.abs;
import static dev.jgunicorn.settings.python.Builtins.affix;
import static dev.jgunicorn.settings.python.Builtins.join;
import static dev.jgunicorn.settings.python.Builtins.len;
import static dev.jgunicorn.settings.python.Builtins.minMax;
import static dev.jgunicorn.settings.python.Builtins.optionalStr;
import static dev.jgunicorn.settings.python.Builtins.parseInt;
import static dev.jgunicorn.settings.python.Builtins.requireStr;
import static dev.jgunicorn.settings.python.Builtins.round;
import static dev.jgunicorn.settings.python.Builtins.split;
import static dev.jgunicorn.settings.python.Builtins.strip;
import static dev.jgunicorn.settings.python.Builtins.toFloat;
import static dev.jgunicorn.settings.python.Builtins.toInt;
import static dev.jgunicorn.settings.python.Formatting.formatMethod;
import static dev.jgunicorn.settings.python.Operations.hashable;
import static dev.jgunicorn.settings.python.Operations.iterate;
import static dev.jgunicorn.settings.python.Py.literal;
import static dev.jgunicorn.settings.python.Py.str;
import static dev.jgunicorn.settings.python.Py.truthy;
import static dev.jgunicorn.settings.python.Py.typeName;

import dev.jgunicorn.settings.ConfigFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The config file's module globals and what its names can reach: the builtins, the modules os and
 * multiprocessing (os.environ as the given environment, os.getenv, cpu_count() as the given count), attributes,
 * calls with their arguments bound, and item access. Also records where each name was assigned and which names
 * were read.
 */
public final class Namespace {
    private static final Set<String> BUILTINS = Set.of("int", "float", "str", "bool", "len", "min", "max", "abs",
            "round", "repr", "print");
    private static final Set<String> UNSUPPORTED_BUILTINS = Set.of("open", "exec", "eval", "compile", "__import__",
            "range", "list", "dict", "tuple", "set", "sorted", "sum", "any", "all", "map", "filter", "zip", "enumerate",
            "isinstance", "type", "getattr", "setattr", "hasattr", "input", "globals", "locals", "vars", "hex", "oct",
            "bin", "chr", "ord", "format", "reversed", "exit", "quit", "divmod", "pow", "hash", "id", "iter", "next");
    private static final Set<String> STR_METHODS = Set.of("lower", "upper", "strip", "lstrip", "rstrip", "split",
            "join", "startswith", "endswith", "replace", "format", "isdigit");
    private static final Object MISSING = new Object();

    /** A module, or something reached through one that is not supported (sys.exit, os.path): opaque until used. */
    record Module(String name) {
    }

    /** A supported function: a builtin (int, len, ...) or os.getenv / cpu_count. */
    record Func(String name) {
    }

    /** A str or dict method bound to its object. */
    record Method(Object self, String name) {
    }

    final String file;
    private final int cpuCount;
    private final Map<Object, Object> environ;
    private final Map<String, Object> vars = new LinkedHashMap<>();
    private final Map<String, Integer> lines = new HashMap<>();
    private final Set<String> referenced = new LinkedHashSet<>();
    /** Names read by the statement being parsed; an assignment target is taken out again. */
    final List<Parser.NameExpr> pending = new ArrayList<>();

    public Namespace(String file, Map<String, String> env, int cpuCount) {
        this.file = file;
        this.cpuCount = cpuCount;
        this.environ = Collections.unmodifiableMap(new LinkedHashMap<Object, Object>(env));
    }

    /** The names the file assigned, in order of first assignment, with their final values; modules and functions left out. */
    public Map<String, Object> values() {
        Map<String, Object> data = new LinkedHashMap<>();
        vars.forEach((name, v) -> {
            if (!(v instanceof Module || v instanceof Func || v instanceof Method || v == environ)) data.put(name, v);
        });
        return data;
    }

    /** The 1-based line where each name was last assigned. */
    public Map<String, Integer> lines() {
        return Collections.unmodifiableMap(lines);
    }

    /** Every name read somewhere in the file, including module and builtin names. */
    public Set<String> referencedNames() {
        return Collections.unmodifiableSet(referenced);
    }

    /** Runs e; a Python error it raises becomes a ConfigFileException at this line. */
    Object at(int line, Expr e) throws ConfigFileException {
        try {
            return e.eval();
        } catch (PyError x) {
            throw new ConfigFileException(file, line, x.getMessage());
        }
    }

    void store(String name, Object v, int line) {
        vars.put(name, v);
        lines.put(name, line);
    }

    void flushReferences() {
        for (Parser.NameExpr n : pending) referenced.add(n.id());
        pending.clear();
    }

    Object lookup(String name) {
        if (vars.containsKey(name)) return vars.get(name);
        if (BUILTINS.contains(name)) return new Func(name);
        if (UNSUPPORTED_BUILTINS.contains(name)) throw new PyError("builtin '" + name + "' is not supported");
        throw new PyError("name '" + name + "' is not defined");
    }

    /** What {@code from module import name} or {@code module.name} gives. */
    Object member(String module, String name) {
        String full = module + "." + name;
        return switch (full) {
            case "os.environ" -> environ;
            case "os.getenv", "os.cpu_count", "multiprocessing.cpu_count" -> new Func(full);
            default -> new Module(full); // opaque: an error once it is called or used
        };
    }

    private static String unsupported(String dotted) {
        String root = dotted.split("\\.")[0];
        return switch (root) {
            case "os" -> "only os.environ, os.getenv() and os.cpu_count() are supported";
            case "multiprocessing" -> "only multiprocessing.cpu_count() is supported";
            default -> "module '" + root + "' is not supported (only os and multiprocessing are)";
        };
    }

    /** {@code obj.name}; use is "call" or "chain" when a call or another attribute follows, else "use". */
    Object attribute(Object obj, String name, String use) {
        if (obj instanceof Module m) {
            Object v = member(m.name(), name);
            if (v instanceof Module opaque && !use.equals("chain")) {
                throw new PyError("cannot " + use + " " + opaque.name() + ": " + unsupported(opaque.name()));
            }
            return v;
        }
        if (obj instanceof String ? STR_METHODS.contains(name) : obj instanceof Map && name.equals("get")) {
            return new Method(obj, name);
        }
        throw new PyError((obj == environ ? "os.environ." + name : "attribute '" + name + "' of " + typeName(obj)) + " is not supported");
    }

    void checkCallable(Object f) {
        if (f instanceof Func fn && fn.name().equals("print")) {
            throw new PyError("print() calls are not supported: jgunicorn reads the config file, it does not run it");
        }
        if (f instanceof Module m) throw new PyError("cannot call " + m.name() + ": " + unsupported(m.name()));
        if (!(f instanceof Func || f instanceof Method)) throw new PyError("'" + typeName(f) + "' object is not callable");
    }

    Object call(Object f, List<Object> a, Map<String, Object> kw) {
        if (f instanceof Method m) return method(m.self(), m.name(), a, kw);
        String name = ((Func) f).name();
        String fn = name.substring(name.lastIndexOf('.') + 1);
        if (fn.equals("min") || fn.equals("max")) return minMax(fn, a, kw);
        Object[] p = args(fn, a, kw, switch (fn) {
            case "getenv" -> "key default?";
            case "int" -> "x? base?";
            case "float", "bool" -> "x?";
            case "str" -> "object?";
            case "repr", "len" -> "obj";
            case "abs" -> "x";
            case "round" -> "number ndigits?";
            default -> ""; // cpu_count
        });
        return switch (fn) {
            case "cpu_count" -> (long) cpuCount;
            case "getenv" -> environ.containsKey(requireStr(p[0], "getenv() key")) ? environ.get(p[0]) : given(p[1], null);
            case "int" -> p[0] == MISSING ? 0L : p[1] == MISSING ? toInt(p[0]) : parseInt(p[0], p[1]);
            case "float" -> p[0] == MISSING ? 0.0 : toFloat(p[0]);
            case "str" -> p[0] == MISSING ? "" : str(p[0]);
            case "bool" -> p[0] != MISSING && truthy(p[0]);
            case "repr" -> literal(p[0]);
            case "len" -> len(p[0]);
            case "abs" -> abs(p[0]);
            case "round" -> round(p[0], given(p[1], null));
            default -> throw new PyError("cannot call " + name);
        };
    }

    private Object method(Object self, String name, List<Object> a, Map<String, Object> kw) {
        if (self instanceof Map<?, ?> m) { // get
            Object[] p = args(name, a, kw, "key default?");
            hashable(p[0]);
            return m.containsKey(p[0]) ? m.get(p[0]) : given(p[1], null);
        }
        String s = (String) self;
        if (name.equals("format")) return formatMethod(s, a, kw);
        Object[] p = args(name, a, kw, switch (name) {
            case "strip", "lstrip", "rstrip" -> "chars?";
            case "split" -> "sep? maxsplit?";
            case "join" -> "iterable";
            case "startswith", "endswith" -> "prefix";
            case "replace" -> "old new";
            default -> ""; // lower, upper, isdigit
        });
        return switch (name) {
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "strip", "lstrip", "rstrip" -> strip(s, optionalStr(given(p[0], null), name + "() argument"),
                    !name.equals("rstrip"), !name.equals("lstrip"));
            case "split" -> split(s, optionalStr(given(p[0], null), "split() separator"),
                    p[1] == MISSING ? -1 : toInt(p[1]));
            case "join" -> join(s, iterate(p[0]));
            case "startswith", "endswith" -> affix(s, name, p[0]);
            default -> s.replace(requireStr(p[0], "replace() argument 1"), requireStr(p[1], "replace() argument 2"));
        };
    }

    /** {@code obj[key]}, with a message for a variable missing from os.environ that says how to give a default. */
    Object getItem(Object obj, Object key) {
        if (obj == environ) {
            hashable(key);
            if (!environ.containsKey(key)) {
                throw new PyError("KeyError: environment variable " + literal(key) + " is not set (os.environ["
                        + literal(key) + "]); use os.environ.get(" + literal(key) + ", default) for a default");
            }
        }
        return Operations.getItem(obj, key);
    }

    /** {@code obj[key] = v}; os.environ is read-only. */
    void setItem(Object obj, Object key, Object v) {
        if (obj == environ) {
            throw new PyError("cannot assign to os.environ[" + literal(key) + "]: the config file cannot change jgunicorn's "
                    + "environment; to pass variables to the application use raw_env = [\"NAME=value\"]");
        }
        Operations.setItem(obj, key, v);
    }

    /** Binds arguments to parameters written "a b? c?" (? = optional); a parameter not given is MISSING. */
    private static Object[] args(String fn, List<Object> a, Map<String, Object> kw, String params) {
        String[] spec = params.isEmpty() ? new String[0] : params.split(" ");
        List<String> names = Arrays.stream(spec).map(n -> n.replace("?", "")).toList();
        if (a.size() > names.size()) {
            throw new PyError(fn + "() takes " + (names.isEmpty() ? "no arguments" : "at most " + names.size() + " argument"
                    + (names.size() == 1 ? "" : "s")) + " (" + a.size() + " given)");
        }
        Object[] out = new Object[names.size()];
        Arrays.fill(out, MISSING);
        for (int i = 0; i < a.size(); i++) out[i] = a.get(i);
        for (Map.Entry<String, Object> e : kw.entrySet()) {
            int i = names.indexOf(e.getKey());
            if (i < 0) throw new PyError(fn + "() got an unexpected keyword argument '" + e.getKey() + "'");
            if (out[i] != MISSING) throw new PyError(fn + "() got multiple values for argument '" + e.getKey() + "'");
            out[i] = e.getValue();
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] == MISSING && !spec[i].endsWith("?")) throw new PyError(fn + "() missing required argument '" + names.get(i) + "'");
        }
        return out;
    }

    private static Object given(Object arg, Object absent) {
        return arg == MISSING ? absent : arg;
    }
}
