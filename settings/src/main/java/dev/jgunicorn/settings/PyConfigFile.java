package dev.jgunicorn.settings;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a {@code gunicorn.conf.py} without a Python interpreter: the subset of Python that people write
 * in it (imports of {@code os} and {@code multiprocessing}, assignments, literals, arithmetic, conditional
 * expressions, f-strings, {@code os.environ}/{@code os.getenv}, {@code cpu_count()} and a few builtins and
 * str methods). Everything else (def, class, if, for, ...) is refused with the file, the line and the reason.
 *
 * <p>A hand-written tokenizer feeds a recursive-descent parser that turns each statement into small
 * closures; a statement is run as soon as it has been parsed, so errors are reported in file order.
 * Values are Java values: int → Long, float → Double, str → String, bool → Boolean, None → null,
 * list and tuple → unmodifiable List, dict → LinkedHashMap.
 */
public final class PyConfigFile {
    private final Map<String, Object> values;
    private final Map<String, Integer> lines;
    private final Set<String> referenced;

    private PyConfigFile(Map<String, Object> values, Map<String, Integer> lines, Set<String> referenced) {
        this.values = values;
        this.lines = lines;
        this.referenced = Collections.unmodifiableSet(referenced);
    }

    /** Reads the file; env is the environment used for os.environ / os.getenv; cpuCount for multiprocessing.cpu_count(). */
    public static PyConfigFile read(Path file, Map<String, String> env, int cpuCount) throws ConfigFileException, IOException {
        return parse(Files.readString(file), file.toString(), env, cpuCount);
    }

    /** Reads source as if it were the file fileName (which is only used in messages). */
    public static PyConfigFile parse(String source, String fileName, Map<String, String> env, int cpuCount)
            throws ConfigFileException {
        String src = source.replace("\r\n", "\n").replace('\r', '\n');
        if (src.startsWith("\uFEFF")) src = src.substring(1);
        Interp in = new Interp(fileName, env, cpuCount);
        new Parser(in, src, 1, true).module();
        Map<String, Object> data = new LinkedHashMap<>();
        in.vars.forEach((name, v) -> {
            if (!(v instanceof Module || v instanceof Func || v instanceof Method || v == in.environ)) data.put(name, v);
        });
        return new PyConfigFile(data, in.lines, in.referenced);
    }

    /** Top-level names assigned, in order of first assignment, with their final values (modules and functions left out). */
    public Map<String, Object> values() {
        return new LinkedHashMap<>(values);
    }

    /** The 1-based line where the name was last assigned, or -1 if the file never assigns it. */
    public int lineOf(String name) {
        return lines.getOrDefault(name, -1);
    }

    /** Every name read (used in an expression) somewhere in the file, including module and builtin names. */
    public Set<String> referencedNames() {
        return referenced;
    }

    // ------------------------------------------------------------------ values that are not data

    /** A module, or something reached through one that is not supported (sys.exit, os.path): opaque until used. */
    private record Module(String name) {
    }

    /** A supported function: a builtin (int, len, ...) or os.getenv / cpu_count. */
    private record Func(String name) {
    }

    /** A str or dict method bound to its object. */
    private record Method(Object self, String name) {
    }

    /** The key of {@code x[a:b]}. */
    private record Slice(Object start, Object stop) {
    }

    /** A Python tuple: an unmodifiable List that Python operations tell apart from a list. */
    private static final class Tuple extends AbstractList<Object> implements RandomAccess {
        private final Object[] items;

        Tuple(Collection<?> items) {
            this.items = items.toArray();
        }

        @Override
        public Object get(int i) {
            return items[i];
        }

        @Override
        public int size() {
            return items.length;
        }
    }

    private static final Object MISSING = new Object();

    /** A Python exception raised by an operation; the closure that ran it adds file and line. */
    private static final class PyError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PyError(String message) {
            super(message, null, false, false);
        }
    }

    private static PyError fail(String reason) {
        return new PyError(reason);
    }

    @FunctionalInterface
    private interface Expr {
        Object eval() throws ConfigFileException;
    }

    @FunctionalInterface
    private interface Target {
        void assign(Object v) throws ConfigFileException;
    }

    // ------------------------------------------------------------------ tokenizer

    private enum Kind { NAME, NUMBER, STRING, OP, NEWLINE, EOF }

    /** A token; for a STRING, text is the lower-cased prefix ("", "r", "f", "rf") and value the decoded text. */
    private record Tok(Kind kind, String text, Object value, int line, boolean indented) {
        boolean is(String s) {
            return (kind == Kind.OP || kind == Kind.NAME) && text.equals(s);
        }

        String describe() {
            return switch (kind) {
                case NEWLINE -> "end of line";
                case EOF -> "end of file";
                case STRING -> "string literal";
                default -> "'" + text + "'";
            };
        }
    }

    private static final class Lexer {
        private static final List<String> OPS = List.of("**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=",
                "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "->", ":=", "<<", ">>");
        private static final String SINGLE = "+-*/%<>=()[]{},:;.@&|^~";
        private static final Pattern STRING_PREFIX = Pattern.compile("(?i)[rubf]|rb|br|fr|rf");
        private static final String DIGITS = "\\d(_?\\d)*";
        private static final Pattern INT = Pattern.compile("0(_?0)*|[1-9](_?\\d)*");
        private static final Pattern RADIX = Pattern.compile("0([xob])_?([0-9a-z](_?[0-9a-z])*)");
        private static final Pattern FLOAT = Pattern.compile("(" + DIGITS + "\\.(" + DIGITS + ")?|\\." + DIGITS + ")(e[-+]?"
                + DIGITS + ")?|" + DIGITS + "e[-+]?" + DIGITS);

        private final String src;
        private final String file;
        private int pos;
        private int line;
        /** The brackets open at this point, innermost first: inside them newlines do not end a statement. */
        private final ArrayDeque<Tok> open = new ArrayDeque<>();
        private boolean lineStart;
        private boolean lineHasTokens;

        Lexer(String src, String file, int line, boolean lineStart) {
            this.src = src;
            this.file = file;
            this.line = line;
            this.lineStart = lineStart;
        }

        private ConfigFileException error(int at, String reason) {
            return new ConfigFileException(file, at, reason);
        }

        Tok next() throws ConfigFileException {
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
                        return new Tok(Kind.NEWLINE, "", null, line, false);
                    }
                    return new Tok(Kind.EOF, "", null, line, false);
                }
                char c = src.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\f') {
                    pos++;
                } else if (c == '#') {
                    while (pos < src.length() && src.charAt(pos) != '\n') pos++;
                } else if (c == '\\') {
                    if (pos + 1 < src.length() && src.charAt(pos + 1) != '\n') {
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
                            return new Tok(Kind.NEWLINE, "", null, line - 1, false);
                        }
                    }
                } else {
                    lineHasTokens = true;
                    return token(c, indented);
                }
            }
        }

        private Tok token(char c, boolean indented) throws ConfigFileException {
            int start = pos;
            if (Character.isLetter(c) || c == '_') {
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
                String word = src.substring(start, pos);
                if (pos < src.length() && (src.charAt(pos) == '\'' || src.charAt(pos) == '"')
                        && STRING_PREFIX.matcher(word).matches()) {
                    return string(word.toLowerCase(Locale.ROOT), indented);
                }
                return new Tok(Kind.NAME, word, null, line, indented);
            }
            if (isDigit(c) || (c == '.' && pos + 1 < src.length() && isDigit(src.charAt(pos + 1)))) return number(indented);
            if (c == '\'' || c == '"') return string("", indented);
            for (String op : OPS) {
                if (src.startsWith(op, pos)) {
                    pos += op.length();
                    return new Tok(Kind.OP, op, null, line, indented);
                }
            }
            if (SINGLE.indexOf(c) >= 0) {
                pos++;
                Tok t = new Tok(Kind.OP, String.valueOf(c), null, line, indented);
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

        private Tok number(boolean indented) throws ConfigFileException {
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
                return new Tok(Kind.NUMBER, text, value, line, indented);
            } catch (NumberFormatException e) { // e.g. 0b12
                throw error(line, "syntax error: invalid number literal '" + text + "'");
            }
        }

        private long literalLong(BigInteger v, String text) throws ConfigFileException {
            if (v.bitLength() > 63) throw error(line, "integer literal " + text + " is too large (64-bit integers only)");
            return v.longValue();
        }

        private Tok string(String prefix, boolean indented) throws ConfigFileException {
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
            return new Tok(Kind.STRING, prefix, value, startLine, indented);
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

    // ------------------------------------------------------------------ parser

    private static final Set<String> KEYWORDS = Set.of("False", "None", "True", "and", "as", "assert", "async", "await",
            "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
            "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
            "with", "yield");
    private static final Set<String> EXPRESSION_KEYWORDS = Set.of("True", "False", "None", "not", "lambda", "await", "yield");
    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> BITWISE = Set.of("|", "&", "^", "<<", ">>", "@");
    private static final Set<String> AUGMENTED = Set.of("+=", "-=", "*=", "/=", "//=", "%=", "**=",
            "&=", "|=", "^=", "<<=", ">>=", "@=");
    private static final String HOOKS = "server hooks are Python callables and cannot run on the JVM";

    /** A name being read: a record so that an assignment can turn it into a target. */
    private record NameExpr(Interp in, String id, int line) implements Expr {
        @Override
        public Object eval() throws ConfigFileException {
            return in.at(line, () -> in.lookup(id));
        }
    }

    /** A tuple display, with or without parentheses; also an unpacking target. */
    private record TupleExpr(List<Expr> items) implements Expr {
        @Override
        public Object eval() throws ConfigFileException {
            return new Tuple(evalAll(items));
        }
    }

    /** {@code obj[key]}; also a target for dict item assignment. */
    private record SubscriptExpr(Interp in, Expr obj, Expr key, int line) implements Expr {
        @Override
        public Object eval() throws ConfigFileException {
            return in.at(line, () -> in.getItem(obj.eval(), key.eval()));
        }
    }

    private static List<Object> evalAll(List<Expr> exprs) throws ConfigFileException {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr e : exprs) out.add(e.eval());
        return out;
    }

    private static final class Parser {
        private final Interp in;
        private final Lexer lex;
        private final List<Tok> buf = new ArrayList<>();

        Parser(Interp in, String src, int line, boolean topLevel) {
            this.in = in;
            this.lex = new Lexer(src, in.file, line, topLevel);
        }

        private Tok peek() throws ConfigFileException {
            return peek(0);
        }

        private Tok peek(int k) throws ConfigFileException {
            while (buf.size() <= k) buf.add(lex.next());
            return buf.get(k);
        }

        private Tok next() throws ConfigFileException {
            Tok t = peek();
            buf.remove(0);
            return t;
        }

        private boolean accept(String s) throws ConfigFileException {
            if (!peek().is(s)) return false;
            next();
            return true;
        }

        private ConfigFileException err(int line, String reason) {
            return new ConfigFileException(in.file, line, reason);
        }

        private ConfigFileException unexpected(Tok t) {
            Tok unclosed = lex.open.peek();
            if (t.kind() == Kind.EOF && unclosed != null) {
                return err(unclosed.line(), "syntax error: '" + unclosed.text() + "' was never closed");
            }
            return err(t.line(), "syntax error: unexpected " + t.describe());
        }

        private void expect(String s) throws ConfigFileException {
            Tok t = next();
            if (!t.is(s)) throw err(t.line(), "syntax error: expected '" + s + "', found " + t.describe());
        }

        private void close(Tok open, String s) throws ConfigFileException {
            Tok t = next();
            if (t.is(s)) return;
            if (t.kind() == Kind.EOF) throw unexpected(t);
            throw err(t.line(), "syntax error: unexpected " + t.describe() + ", expected ',' or '" + s + "'");
        }

        private String expectName() throws ConfigFileException {
            Tok t = next();
            if (t.kind() != Kind.NAME || KEYWORDS.contains(t.text())) throw err(t.line(), "syntax error: expected a name, found " + t.describe());
            return t.text();
        }

        private Expr located(int line, Expr e) {
            return () -> in.at(line, e);
        }

        // ---- statements

        void module() throws ConfigFileException {
            while (peek().kind() != Kind.EOF) {
                Tok first = peek();
                if (first.indented()) throw err(first.line(), "syntax error: unexpected indent");
                do {
                    if (peek().kind() == Kind.NEWLINE || peek().kind() == Kind.EOF) break; // after a trailing ';'
                    statement();
                    in.flushReferences();
                } while (accept(";"));
                Tok end = next();
                if (end.kind() != Kind.NEWLINE && end.kind() != Kind.EOF) throw unexpected(end);
            }
        }

        private void statement() throws ConfigFileException {
            Tok t = peek();
            if (t.is("@")) {
                next();
                throw err(t.line(), "decorators (@" + dotted() + ") are not supported: " + HOOKS);
            }
            if (t.kind() != Kind.NAME) {
                expressionStatement();
                return;
            }
            switch (t.text()) {
                case "import" -> importModules();
                case "from" -> importFrom();
                case "pass" -> next();
                case "def", "async" -> {
                    boolean async = t.is("async");
                    if (async && !peek(1).is("def")) throw err(t.line(), "'async' statements are not supported");
                    throw err(t.line(), "function definitions (" + (async ? "async def " : "def ") + nameAt(async ? 2 : 1)
                            + ") are not supported: " + HOOKS);
                }
                case "class" -> throw err(t.line(), "class definitions (class " + nameAt(1) + ") are not supported");
                case "if" -> throw err(t.line(),
                        "'if' statements are not supported: use a conditional expression (a if condition else b)");
                case "elif", "else", "for", "while", "with", "try", "except", "finally", "global", "nonlocal", "del",
                        "return", "yield", "raise", "assert", "break", "continue" ->
                        throw err(t.line(), "'" + t.text() + "' statements are not supported");
                default -> expressionStatement();
            }
        }

        /** The name k tokens ahead, for messages. */
        private String nameAt(int k) throws ConfigFileException {
            return peek(k).kind() == Kind.NAME ? peek(k).text() : "";
        }

        private String dotted() throws ConfigFileException {
            StringBuilder b = new StringBuilder(expectName());
            while (accept(".")) b.append('.').append(expectName());
            return b.toString();
        }

        /** {@code import os, multiprocessing as mp, os.path}. */
        private void importModules() throws ConfigFileException {
            next();
            do {
                int line = peek().line();
                String module = dotted();
                if (accept("as")) in.store(expectName(), new Module(module), line);
                else {
                    String top = module.split("\\.")[0];
                    in.store(top, new Module(top), line);
                }
            } while (accept(","));
        }

        /** {@code from os import environ as env, getenv}. */
        private void importFrom() throws ConfigFileException {
            int line = next().line();
            if (peek().is(".") || peek().is("...")) throw err(line, "relative imports are not supported");
            String module = dotted();
            expect("import");
            if (peek().is("*")) throw err(line, "wildcard imports (from " + module + " import *) are not supported");
            Tok open = peek().is("(") ? next() : null;
            do {
                if (open != null && peek().is(")")) break;
                int at = peek().line();
                String name = expectName();
                in.store(accept("as") ? expectName() : name, in.member(module, name), at);
            } while (accept(","));
            if (open != null) close(open, ")");
        }

        private void expressionStatement() throws ConfigFileException {
            Expr e = testlist();
            Tok t = peek();
            if (t.is(":") && e instanceof NameExpr) { // an annotated assignment: the annotation is ignored
                next();
                test();
                if (accept("=")) {
                    Target target = target(e, t);
                    target.assign(testlist().eval());
                }
                return;
            }
            if (t.is("=")) { // a = b = value: the value first, then the targets from left to right
                List<Expr> chain = new ArrayList<>(List.of(e));
                while (accept("=")) chain.add(testlist());
                Expr value = chain.remove(chain.size() - 1);
                List<Target> targets = new ArrayList<>();
                for (Expr x : chain) targets.add(target(x, t));
                Object v = value.eval();
                for (Target target : targets) target.assign(v);
                return;
            }
            if (t.kind() == Kind.OP && AUGMENTED.contains(t.text())) {
                next();
                String op = t.text().substring(0, t.text().length() - 1);
                if (BITWISE.contains(op)) throw err(t.line(), "operator '" + t.text() + "' is not supported");
                if (!(e instanceof NameExpr || e instanceof SubscriptExpr)) {
                    throw err(t.line(), "syntax error: illegal expression for augmented assignment");
                }
                Target target = target(e, t);
                Expr rhs = testlist();
                target.assign(in.at(t.line(), () -> binop(op, e.eval(), rhs.eval())));
                return;
            }
            e.eval(); // a docstring, or a call that gets refused
        }

        private Target target(Expr e, Tok eq) throws ConfigFileException {
            if (e instanceof NameExpr n) {
                in.pending.removeIf(p -> p == n); // assigned, not read
                return v -> in.store(n.id(), v, n.line());
            }
            if (e instanceof TupleExpr t) {
                List<Target> parts = new ArrayList<>();
                for (Expr item : t.items()) parts.add(target(item, eq));
                return v -> {
                    List<?> seq = (List<?>) in.at(eq.line(), () -> iterate(v));
                    if (seq.size() != parts.size()) {
                        throw err(eq.line(), seq.size() < parts.size()
                                ? "not enough values to unpack (expected " + parts.size() + ", got " + seq.size() + ")"
                                : "too many values to unpack (expected " + parts.size() + ")");
                    }
                    for (int i = 0; i < parts.size(); i++) parts.get(i).assign(seq.get(i));
                };
            }
            if (e instanceof SubscriptExpr s) {
                return v -> in.at(s.line(), () -> {
                    in.setItem(s.obj().eval(), s.key().eval(), v);
                    return null;
                });
            }
            throw err(eq.line(), "syntax error: cannot assign to this expression (only to names, a, b = ... and dict[key])");
        }

        // ---- expressions, from the loosest binding to the tightest

        /** An expression, or a tuple without parentheses: {@code 1, 2}. */
        private Expr testlist() throws ConfigFileException {
            Expr first = test();
            if (!peek().is(",")) return first;
            List<Expr> items = new ArrayList<>(List.of(first));
            while (accept(",") && startsExpression(peek())) items.add(test());
            return new TupleExpr(items);
        }

        private static boolean startsExpression(Tok t) {
            return switch (t.kind()) {
                case NUMBER, STRING -> true;
                case NAME -> !KEYWORDS.contains(t.text()) || EXPRESSION_KEYWORDS.contains(t.text());
                case OP -> Set.of("(", "[", "{", "-", "+", "~", "*").contains(t.text());
                default -> false;
            };
        }

        private Expr test() throws ConfigFileException {
            Tok t = peek();
            if (t.is("lambda")) throw err(t.line(), "lambda expressions are not supported: Python callables cannot run on the JVM");
            Expr body = orTest();
            if (peek().is(":=")) throw err(peek().line(), "assignment expressions (:=) are not supported");
            if (!accept("if")) return body;
            Expr condition = orTest();
            Tok e = next();
            if (!e.is("else")) throw err(e.line(), "syntax error: expected 'else' in conditional expression, found " + e.describe());
            Expr other = test();
            return () -> truthy(condition.eval()) ? body.eval() : other.eval();
        }

        private Expr orTest() throws ConfigFileException {
            Expr left = andTest();
            while (accept("or")) {
                Expr l = left;
                Expr r = andTest();
                left = () -> {
                    Object v = l.eval();
                    return truthy(v) ? v : r.eval();
                };
            }
            return left;
        }

        private Expr andTest() throws ConfigFileException {
            Expr left = notTest();
            while (accept("and")) {
                Expr l = left;
                Expr r = notTest();
                left = () -> {
                    Object v = l.eval();
                    return truthy(v) ? r.eval() : v;
                };
            }
            return left;
        }

        private Expr notTest() throws ConfigFileException {
            if (!accept("not")) return comparison();
            Expr e = notTest();
            return () -> !truthy(e.eval());
        }

        /** {@code a < b <= c} means {@code a < b and b <= c}, with b evaluated once. */
        private Expr comparison() throws ConfigFileException {
            Expr first = arith();
            List<String> ops = new ArrayList<>();
            List<Expr> operands = new ArrayList<>();
            int line = 0;
            while (true) {
                Tok t = peek();
                String op;
                if (t.kind() == Kind.OP && COMPARISONS.contains(t.text())) op = t.text();
                else if (t.is("in")) op = "in";
                else if (t.is("not") && peek(1).is("in")) op = "not in";
                else if (t.is("is")) op = peek(1).is("not") ? "is not" : "is";
                else break;
                if (op.contains(" ")) next();
                next();
                if (ops.isEmpty()) line = t.line();
                ops.add(op);
                operands.add(arith());
            }
            if (ops.isEmpty()) return first;
            return located(line, () -> {
                Object left = first.eval();
                for (int i = 0; i < ops.size(); i++) {
                    Object right = operands.get(i).eval();
                    if (!compare(ops.get(i), left, right)) return false;
                    left = right;
                }
                return true;
            });
        }

        private Expr arith() throws ConfigFileException {
            Expr left = term();
            while (peek().is("+") || peek().is("-")) left = binary(left, next(), this::term);
            Tok t = peek();
            if (t.kind() == Kind.OP && BITWISE.contains(t.text())) throw err(t.line(), "operator '" + t.text() + "' is not supported");
            return left;
        }

        private Expr term() throws ConfigFileException {
            Expr left = factor();
            while (peek().is("*") || peek().is("/") || peek().is("//") || peek().is("%")) left = binary(left, next(), this::factor);
            return left;
        }

        private interface Operand {
            Expr parse() throws ConfigFileException;
        }

        private Expr binary(Expr l, Tok op, Operand right) throws ConfigFileException {
            Expr r = right.parse();
            return located(op.line(), () -> binop(op.text(), l.eval(), r.eval()));
        }

        private Expr factor() throws ConfigFileException {
            Tok t = peek();
            if (t.is("~")) throw err(t.line(), "operator '~' is not supported");
            if (!t.is("-") && !t.is("+")) return power();
            next();
            Expr e = factor();
            boolean minus = t.is("-");
            return located(t.line(), () -> minus ? negate(e.eval()) : unaryPlus(e.eval()));
        }

        private Expr power() throws ConfigFileException {
            Expr base = postfix();
            if (!peek().is("**")) return base;
            return binary(base, next(), this::factor); // right-associative, binds tighter than unary minus on its left
        }

        private Expr postfix() throws ConfigFileException {
            Expr e = atom();
            while (true) {
                Tok t = peek();
                if (t.is("(")) {
                    e = call(e, next());
                } else if (t.is("[")) {
                    e = subscript(e, next());
                } else if (t.is(".")) {
                    next();
                    String name = expectName();
                    Tok after = peek(); // an unsupported module attribute is refused as "call" or "use"
                    String use = after.is("(") ? "call" : after.is(".") ? "chain" : "use";
                    Expr obj = e;
                    e = located(t.line(), () -> in.attribute(obj.eval(), name, use));
                } else {
                    return e;
                }
            }
        }

        private Expr call(Expr callee, Tok open) throws ConfigFileException {
            List<Expr> args = new ArrayList<>();
            Map<String, Expr> kwargs = new LinkedHashMap<>();
            while (!peek().is(")")) {
                Tok t = peek();
                if (t.is("*") || t.is("**")) throw err(t.line(), "argument unpacking (" + t.text() + ") is not supported");
                if (t.kind() == Kind.NAME && peek(1).is("=")) {
                    next();
                    next();
                    if (kwargs.put(t.text(), test()) != null) throw err(t.line(), "syntax error: keyword argument repeated: " + t.text());
                } else {
                    if (!kwargs.isEmpty()) throw err(t.line(), "syntax error: positional argument follows keyword argument");
                    args.add(test());
                    if (peek().is("for")) throw err(peek().line(), "generator expressions are not supported");
                }
                if (!accept(",")) break;
            }
            close(open, ")");
            return located(open.line(), () -> {
                Object f = callee.eval();
                in.checkCallable(f); // before the arguments, so that print(...) is refused as such
                Map<String, Object> kw = new LinkedHashMap<>();
                List<Object> a = evalAll(args);
                for (Map.Entry<String, Expr> k : kwargs.entrySet()) kw.put(k.getKey(), k.getValue().eval());
                return in.call(f, a, kw);
            });
        }

        private Expr subscript(Expr obj, Tok open) throws ConfigFileException {
            Expr lower = peek().is(":") ? null : test();
            Expr key = lower;
            if (accept(":")) {
                Expr upper = peek().is("]") || peek().is(":") ? null : test();
                if (accept(":") && !peek().is("]")) throw err(peek().line(), "slice steps are not supported");
                key = () -> new Slice(lower == null ? null : lower.eval(), upper == null ? null : upper.eval());
            }
            close(open, "]");
            return new SubscriptExpr(in, obj, key, open.line());
        }

        private Expr atom() throws ConfigFileException {
            Tok t = next();
            if (t.kind() == Kind.NUMBER) return constant(t.value());
            if (t.kind() == Kind.STRING) return strings(t);
            if (t.is("True") || t.is("False")) return constant(t.is("True"));
            if (t.is("None")) return constant(null);
            if (t.is("(")) return parenthesized(t);
            if (t.is("[")) return listDisplay(t);
            if (t.is("{")) return dictDisplay(t);
            if (t.is("*")) throw err(t.line(), "starred expressions (*x) are not supported");
            if (t.is("lambda")) throw err(t.line(), "lambda expressions are not supported: Python callables cannot run on the JVM");
            if (t.is("yield") || t.is("await")) throw err(t.line(), "'" + t.text() + "' is not supported");
            if (t.kind() != Kind.NAME || KEYWORDS.contains(t.text())) throw unexpected(t);
            NameExpr n = new NameExpr(in, t.text(), t.line());
            in.pending.add(n);
            return n;
        }

        private static Expr constant(Object v) {
            return () -> v;
        }

        /** Adjacent string literals, some of them maybe f-strings, make one string. */
        private Expr strings(Tok first) throws ConfigFileException {
            List<Expr> parts = new ArrayList<>();
            boolean literal = true;
            for (Tok t = first; ; t = next()) {
                String s = (String) t.value();
                if (t.text().contains("f")) {
                    parts.add(fstring(s, t.line()));
                    literal = false;
                } else {
                    parts.add(constant(s));
                }
                if (peek().kind() != Kind.STRING) break;
            }
            Expr all = () -> {
                StringBuilder b = new StringBuilder();
                for (Expr p : parts) b.append((String) p.eval());
                return b.toString();
            };
            return literal ? constant(all.eval()) : all;
        }

        private Expr fstring(String s, int line) throws ConfigFileException {
            List<Object> template;
            try {
                template = template(s);
            } catch (PyError e) {
                throw err(line, "f-string: " + e.getMessage());
            }
            List<Expr> parts = new ArrayList<>();
            for (Object p : template) {
                if (p instanceof Field f) {
                    if (f.expr().isBlank()) throw err(line, "f-string: empty expression not allowed");
                    Expr e = new Parser(in, f.expr(), line, false).standalone();
                    parts.add(located(line, () -> formatField(e.eval(), f.conv(), f.spec())));
                } else {
                    parts.add(constant(p));
                }
            }
            return () -> {
                StringBuilder b = new StringBuilder();
                for (Expr e : parts) b.append((String) e.eval());
                return b.toString();
            };
        }

        /** The expression of an f-string field, which must use all of this parser's text. */
        Expr standalone() throws ConfigFileException {
            Expr e = testlist();
            Tok t = next();
            if (t.kind() == Kind.NEWLINE) t = next();
            if (t.kind() != Kind.EOF) throw err(t.line(), "f-string: syntax error: unexpected " + t.describe());
            return e;
        }

        private Expr parenthesized(Tok open) throws ConfigFileException {
            if (accept(")")) return new TupleExpr(List.of());
            Expr first = test();
            if (peek().is("for")) throw err(peek().line(), "generator expressions are not supported");
            if (accept(")")) return first;
            List<Expr> items = new ArrayList<>(List.of(first));
            while (accept(",") && !peek().is(")")) items.add(test());
            close(open, ")");
            return new TupleExpr(items);
        }

        private Expr listDisplay(Tok open) throws ConfigFileException {
            List<Expr> items = new ArrayList<>();
            while (!peek().is("]")) {
                items.add(test());
                if (peek().is("for")) throw err(peek().line(), "list comprehensions are not supported");
                if (!accept(",")) break;
            }
            close(open, "]");
            return () -> list(evalAll(items));
        }

        private Expr dictDisplay(Tok open) throws ConfigFileException {
            List<Expr[]> entries = new ArrayList<>();
            while (!peek().is("}")) {
                if (peek().is("**")) throw err(peek().line(), "dict unpacking (**) is not supported");
                Expr k = test();
                if (peek().is("for")) throw err(peek().line(), "set comprehensions are not supported");
                Tok colon = next();
                if (colon.is(",") || colon.is("}")) throw err(open.line(), "set literals are not supported");
                if (!colon.is(":")) throw err(colon.line(), "syntax error: unexpected " + colon.describe() + ", expected ':'");
                Expr v = test();
                if (peek().is("for")) throw err(peek().line(), "dict comprehensions are not supported");
                entries.add(new Expr[] {k, v});
                if (!accept(",")) break;
            }
            close(open, "}");
            return located(open.line(), () -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                for (Expr[] e : entries) {
                    Object k = e[0].eval();
                    hashable(k);
                    m.put(k, e[1].eval());
                }
                return m;
            });
        }
    }

    // ------------------------------------------------------------------ the namespace, modules, calls

    private static final Set<String> BUILTINS = Set.of("int", "float", "str", "bool", "len", "min", "max", "abs",
            "round", "repr", "print");
    private static final Set<String> UNSUPPORTED_BUILTINS = Set.of("open", "exec", "eval", "compile", "__import__",
            "range", "list", "dict", "tuple", "set", "sorted", "sum", "any", "all", "map", "filter", "zip", "enumerate",
            "isinstance", "type", "getattr", "setattr", "hasattr", "input", "globals", "locals", "vars", "hex", "oct",
            "bin", "chr", "ord", "format", "reversed", "exit", "quit", "divmod", "pow", "hash", "id", "iter", "next");
    private static final Set<String> STR_METHODS = Set.of("lower", "upper", "strip", "lstrip", "rstrip", "split",
            "join", "startswith", "endswith", "replace", "format", "isdigit");

    private static final class Interp {
        final String file;
        final int cpuCount;
        final Map<Object, Object> environ;
        final Map<String, Object> vars = new LinkedHashMap<>();
        final Map<String, Integer> lines = new HashMap<>();
        final Set<String> referenced = new LinkedHashSet<>();
        /** Names read by the statement being parsed; an assignment target is taken out again. */
        final List<NameExpr> pending = new ArrayList<>();

        Interp(String file, Map<String, String> env, int cpuCount) {
            this.file = file;
            this.cpuCount = cpuCount;
            this.environ = Collections.unmodifiableMap(new LinkedHashMap<Object, Object>(env));
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
            for (NameExpr n : pending) referenced.add(n.id());
            pending.clear();
        }

        Object lookup(String name) {
            if (vars.containsKey(name)) return vars.get(name);
            if (BUILTINS.contains(name)) return new Func(name);
            if (UNSUPPORTED_BUILTINS.contains(name)) throw fail("builtin '" + name + "' is not supported");
            throw fail("name '" + name + "' is not defined");
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

        static String unsupported(String dotted) {
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
                    throw fail("cannot " + use + " " + opaque.name() + ": " + unsupported(opaque.name()));
                }
                return v;
            }
            if (obj instanceof String ? STR_METHODS.contains(name) : obj instanceof Map && name.equals("get")) {
                return new Method(obj, name);
            }
            throw fail((obj == environ ? "os.environ." + name : "attribute '" + name + "' of " + typeName(obj)) + " is not supported");
        }

        void checkCallable(Object f) {
            if (f instanceof Func fn && fn.name().equals("print")) {
                throw fail("print() calls are not supported: jgunicorn reads the config file, it does not run it");
            }
            if (f instanceof Module m) throw fail("cannot call " + m.name() + ": " + unsupported(m.name()));
            if (!(f instanceof Func || f instanceof Method)) throw fail("'" + typeName(f) + "' object is not callable");
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
                case "repr" -> repr(p[0]);
                case "len" -> len(p[0]);
                case "abs" -> abs(p[0]);
                case "round" -> round(p[0], given(p[1], null));
                default -> throw fail("cannot call " + name);
            };
        }

        Object method(Object self, String name, List<Object> a, Map<String, Object> kw) {
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
                case "strip", "lstrip", "rstrip" -> strip(s, optionalStr(p[0], name + "() argument"), !name.equals("rstrip"),
                        !name.equals("lstrip"));
                case "split" -> split(s, optionalStr(p[0], "split() separator"), p[1] == MISSING ? -1 : toInt(p[1]));
                case "join" -> join(s, iterate(p[0]));
                case "startswith", "endswith" -> affix(s, name, p[0]);
                default -> s.replace(requireStr(p[0], "replace() argument 1"), requireStr(p[1], "replace() argument 2"));
            };
        }

        Object getItem(Object obj, Object key) {
            if (obj instanceof Map<?, ?> m) {
                hashable(key);
                if (m.containsKey(key)) return m.get(key);
                throw fail(obj == environ ? "KeyError: environment variable " + repr(key) + " is not set (os.environ["
                        + repr(key) + "]); use os.environ.get(" + repr(key) + ", default) for a default" : "KeyError: " + repr(key));
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
                if (!isInt(key)) throw fail(kind + " indices must be integers or slices, not " + typeName(key));
                long i = asLong(key);
                if (i < 0) i += seq.size();
                if (i < 0 || i >= seq.size()) throw fail(kind + " index out of range");
                return seq.get((int) i);
            }
            throw fail("'" + typeName(obj) + "' object is not subscriptable");
        }

        @SuppressWarnings("unchecked")
        void setItem(Object obj, Object key, Object v) {
            if (obj == environ) {
                throw fail("cannot assign to os.environ[" + repr(key) + "]: the config file cannot change jgunicorn's "
                        + "environment; to pass variables to the application use raw_env = [\"NAME=value\"]");
            }
            if (!(obj instanceof Map)) throw fail("'" + typeName(obj) + "' object does not support item assignment");
            hashable(key);
            ((Map<Object, Object>) obj).put(key, v);
        }
    }

    /** Binds arguments to parameters written "a b? c?" (? = optional); a parameter not given is MISSING. */
    private static Object[] args(String fn, List<Object> a, Map<String, Object> kw, String params) {
        String[] spec = params.isEmpty() ? new String[0] : params.split(" ");
        List<String> names = Arrays.stream(spec).map(n -> n.replace("?", "")).toList();
        if (a.size() > names.size()) {
            throw fail(fn + "() takes " + (names.isEmpty() ? "no arguments" : "at most " + names.size() + " argument"
                    + (names.size() == 1 ? "" : "s")) + " (" + a.size() + " given)");
        }
        Object[] out = new Object[names.size()];
        Arrays.fill(out, MISSING);
        for (int i = 0; i < a.size(); i++) out[i] = a.get(i);
        for (Map.Entry<String, Object> e : kw.entrySet()) {
            int i = names.indexOf(e.getKey());
            if (i < 0) throw fail(fn + "() got an unexpected keyword argument '" + e.getKey() + "'");
            if (out[i] != MISSING) throw fail(fn + "() got multiple values for argument '" + e.getKey() + "'");
            out[i] = e.getValue();
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] == MISSING && !spec[i].endsWith("?")) throw fail(fn + "() missing required argument '" + names.get(i) + "'");
        }
        return out;
    }

    private static Object given(Object arg, Object absent) {
        return arg == MISSING ? absent : arg;
    }

    // ------------------------------------------------------------------ Python semantics on Java values

    private static List<Object> list(Collection<?> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    private static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    private static boolean isNumber(Object v) {
        return isInt(v) || v instanceof Double;
    }

    private static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    private static double asDouble(Object v) {
        return v instanceof Double d ? d : asLong(v);
    }

    private static String requireStr(Object v, String what) {
        if (v instanceof String s) return s;
        throw fail(what + " must be a str, not " + typeName(v));
    }

    /** A str argument, or null for None or a missing argument. */
    private static String optionalStr(Object v, String what) {
        return v == MISSING || v == null ? null : requireStr(v, what);
    }

    private static void hashable(Object key) {
        if ((key instanceof List && !(key instanceof Tuple)) || key instanceof Map || key instanceof Slice) {
            throw fail("unhashable type: '" + typeName(key) + "'");
        }
    }

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

    static String typeName(Object v) {
        if (v == null) return "NoneType";
        if (v instanceof Boolean) return "bool";
        if (v instanceof Long) return "int";
        if (v instanceof Double) return "float";
        if (v instanceof String) return "str";
        if (v instanceof Tuple) return "tuple";
        if (v instanceof List) return "list";
        if (v instanceof Map) return "dict";
        if (v instanceof Module) return "module";
        if (v instanceof Slice) return "slice";
        return "builtin_function_or_method";
    }

    private static List<?> iterate(Object v) {
        if (v instanceof List<?> l) return l;
        if (v instanceof String s) return s.codePoints().mapToObj(Character::toString).toList();
        if (v instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        throw fail("'" + typeName(v) + "' object is not iterable");
    }

    private static int bound(Object v, int absent, int n) {
        if (v == null) return absent;
        if (!isInt(v)) throw fail("slice indices must be integers or None, not " + typeName(v));
        long i = asLong(v);
        if (i < 0) i += n;
        return (int) Math.max(0, Math.min(n, i));
    }

    /** str(v). */
    static String str(Object v) {
        return v instanceof String s ? s : repr(v);
    }

    /** repr(v). */
    static String repr(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double d) return pyFloat(d);
        if (v instanceof String s) return quote(s);
        if (v instanceof Tuple t) return t.size() == 1 ? "(" + repr(t.get(0)) + ",)" : join(t, "(", ")");
        if (v instanceof List<?> l) return join(l, "[", "]");
        if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().map(e -> repr(e.getKey()) + ": " + repr(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        if (v instanceof Module m) return "<module '" + m.name() + "'>";
        if (v instanceof Func f) return "<built-in function " + f.name() + ">";
        if (v instanceof Method m) return "<built-in method " + m.name() + ">";
        return v.toString();
    }

    private static String join(List<?> items, String open, String close) {
        return items.stream().map(PyConfigFile::repr).collect(Collectors.joining(", ", open, close));
    }

    private static String quote(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(q);
        for (char c : s.toCharArray()) {
            if (c == q || c == '\\') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\r') b.append("\\r");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.append(q).toString();
    }

    /** Python's repr of a float: the shortest digits that read back, scientific below 1e-4 and from 1e16. */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return 1 / d < 0 ? "-0.0" : "0.0";
        BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exp = b.precision() - b.scale() - 1;
        if (exp >= -4 && exp < 16) {
            String s = b.toPlainString();
            return s.contains(".") ? s : s + ".0";
        }
        String digits = b.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    private static Object binop(String op, Object a, Object b) {
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
        throw fail("unsupported operand types for " + op + ": '" + typeName(a) + "' and '" + typeName(b) + "'" + hint);
    }

    private static Object repeat(Object seq, long n) {
        int size = seq instanceof String s ? s.length() : ((List<?>) seq).size();
        if (n > 0 && size * n > 10_000_000) throw fail("repetition result is too large");
        int times = (int) Math.max(0, n);
        if (seq instanceof String s) return s.repeat(times);
        List<Object> all = new ArrayList<>();
        for (int i = 0; i < times; i++) all.addAll((List<?>) seq);
        return seq instanceof Tuple ? new Tuple(all) : list(all);
    }

    private static Object arithmetic(String op, Object a, Object b) {
        if (isInt(a) && isInt(b) && !op.equals("/")) {
            long x = asLong(a);
            long y = asLong(b);
            if (y == 0 && (op.equals("//") || op.equals("%"))) throw fail("division by zero");
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
                throw fail("integer overflow: the result of " + op + " does not fit in 64 bits");
            }
        }
        double x = asDouble(a);
        double y = asDouble(b);
        if (y == 0 && (op.equals("/") || op.equals("//") || op.equals("%"))) throw fail("division by zero");
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
                if (x == 0 && y < 0) throw fail("zero cannot be raised to a negative power");
                if (x < 0 && y != Math.rint(y)) throw fail("a negative number cannot be raised to a fractional power");
                double r = Math.pow(x, y);
                if (Double.isInfinite(r) && Double.isFinite(x) && Double.isFinite(y)) throw fail("float overflow in **");
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

    private static Object negate(Object v) {
        if (v instanceof Double d) return -d;
        if (!isInt(v)) throw fail("bad operand type for unary -: '" + typeName(v) + "'");
        if (asLong(v) == Long.MIN_VALUE) throw fail("integer overflow: the result of - does not fit in 64 bits");
        return -asLong(v);
    }

    private static Object unaryPlus(Object v) {
        if (v instanceof Double) return v;
        if (!isInt(v)) throw fail("bad operand type for unary +: '" + typeName(v) + "'");
        return asLong(v);
    }

    private static boolean compare(String op, Object a, Object b) {
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

    private static int order(Object a, Object b, String op) {
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
        throw fail("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
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
            throw fail("'in <string>' requires a str as left operand, not " + typeName(item));
        }
        if (container instanceof List<?> l) return l.stream().anyMatch(x -> pyEquals(x, item));
        if (container instanceof Map<?, ?> m) {
            hashable(item);
            return m.containsKey(item);
        }
        throw fail("argument of type '" + typeName(container) + "' is not iterable");
    }

    // ------------------------------------------------------------------ builtins

    private static final Pattern FLOAT_TEXT = Pattern.compile(
            "[+-]?(\\d(_?\\d)*(\\.(\\d(_?\\d)*)?)?|\\.\\d(_?\\d)*)(e[+-]?\\d(_?\\d)*)?");

    private static long toInt(Object v) {
        if (isInt(v)) return asLong(v);
        if (v instanceof Double d) {
            if (!Double.isFinite(d)) throw fail("cannot convert float " + pyFloat(d) + " to integer");
            if (Math.abs(d) >= 0x1p63) throw fail("integer overflow: " + pyFloat(d) + " does not fit in 64 bits");
            return (long) (double) d;
        }
        if (v instanceof String s) return parseInt(s, 10L);
        throw fail("int() argument must be a string or a number, not '" + typeName(v) + "'");
    }

    private static long parseInt(Object v, Object baseArg) {
        if (!(v instanceof String s)) throw fail("int() can't convert non-string with explicit base");
        if (!isInt(baseArg)) throw fail("int() base must be an int, not " + typeName(baseArg));
        long base = asLong(baseArg);
        if (base != 0 && (base < 2 || base > 36)) throw fail("int() base must be >= 2 and <= 36, or 0");
        PyError invalid = fail("invalid literal for int() with base " + base + ": " + quote(s));
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
        if (!t.matches("[0-9a-z](_?[0-9a-z])*")) throw invalid;
        try {
            BigInteger n = new BigInteger(sign + t.replace("_", ""), radix);
            if (n.bitLength() > 63) throw fail("integer overflow: " + quote(s) + " does not fit in 64 bits");
            return n.longValue();
        } catch (NumberFormatException e) {
            throw invalid;
        }
    }

    private static double toFloat(Object v) {
        if (isNumber(v)) return asDouble(v);
        if (!(v instanceof String s)) throw fail("float() argument must be a string or a real number, not '" + typeName(v) + "'");
        String t = s.strip().toLowerCase(Locale.ROOT);
        String unsigned = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        if (unsigned.equals("inf") || unsigned.equals("infinity")) return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (unsigned.equals("nan")) return Double.NaN;
        if (!FLOAT_TEXT.matcher(t).matches()) throw fail("could not convert string to float: " + quote(s));
        return Double.parseDouble(t.replace("_", ""));
    }

    private static long len(Object v) {
        if (v instanceof String s) return s.codePointCount(0, s.length());
        if (v instanceof List<?> l) return l.size();
        if (v instanceof Map<?, ?> m) return m.size();
        throw fail("object of type '" + typeName(v) + "' has no len()");
    }

    private static Object abs(Object v) {
        if (v instanceof Double d) return Math.abs(d);
        if (!isInt(v)) throw fail("bad operand type for abs(): '" + typeName(v) + "'");
        if (asLong(v) == Long.MIN_VALUE) throw fail("integer overflow: abs() does not fit in 64 bits");
        return Math.abs(asLong(v));
    }

    /** round(x) rounds half to even and gives an int; round(x, n) keeps the type. */
    private static Object round(Object x, Object ndigits) {
        if (!isNumber(x)) throw fail("type " + typeName(x) + " doesn't define __round__ method");
        if (ndigits == null) return x instanceof Double d ? toInt(Math.rint(d)) : asLong(x);
        if (!isInt(ndigits)) throw fail("round() ndigits must be an int, not " + typeName(ndigits));
        int n = (int) Math.max(-400, Math.min(400, asLong(ndigits)));
        if (isInt(x)) {
            return n >= 0 ? asLong(x) : new BigDecimal(asLong(x)).setScale(n, RoundingMode.HALF_EVEN).longValue();
        }
        double d = (Double) x;
        return Double.isFinite(d) ? new BigDecimal(d).setScale(n, RoundingMode.HALF_EVEN).doubleValue() : d;
    }

    private static Object minMax(String fn, List<Object> a, Map<String, Object> kw) {
        if (!kw.isEmpty()) throw fail(fn + "() keyword arguments are not supported");
        if (a.isEmpty()) throw fail(fn + "() expected at least 1 argument, got 0");
        List<?> items = a.size() == 1 ? iterate(a.get(0)) : a;
        if (items.isEmpty()) throw fail(fn + "() arg is an empty sequence");
        boolean min = fn.equals("min");
        Object best = items.get(0);
        for (Object x : items.subList(1, items.size())) {
            int c = order(x, best, min ? "<" : ">");
            if (min ? c < 0 : c > 0) best = x;
        }
        return best;
    }

    private static String strip(String s, String chars, boolean left, boolean right) {
        int i = 0;
        int j = s.length();
        while (left && i < j && (chars == null ? Character.isWhitespace(s.charAt(i)) : chars.indexOf(s.charAt(i)) >= 0)) i++;
        while (right && j > i && (chars == null ? Character.isWhitespace(s.charAt(j - 1)) : chars.indexOf(s.charAt(j - 1)) >= 0)) j--;
        return s.substring(i, j);
    }

    private static String join(String separator, List<?> items) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof String item)) {
                throw fail("join(): sequence item " + i + ": expected str, " + typeName(items.get(i)) + " found");
            }
            b.append(i > 0 ? separator : "").append(item);
        }
        return b.toString();
    }

    /** s.startswith(x) or s.endswith(x), where x is a str or a tuple of them. */
    private static boolean affix(String s, String method, Object arg) {
        for (Object o : arg instanceof Tuple t ? t : Collections.singletonList(arg)) {
            String x = requireStr(o, method + "() argument");
            if (method.equals("startswith") ? s.startsWith(x) : s.endsWith(x)) return true;
        }
        return false;
    }

    private static List<Object> split(String s, String sep, long max) {
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
            if (sep.isEmpty()) throw fail("split(): empty separator");
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

    // ------------------------------------------------------------------ formatting: f-strings, str.format, %

    /** A replacement field {expr!conv:spec} of an f-string or a str.format template. */
    private record Field(String expr, char conv, String spec) {
    }

    /** Splits a template into literal Strings and Fields; {{ and }} stand for literal braces. */
    private static List<Object> template(String s) {
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
            if (c == '}') throw fail("single '}' is not allowed");
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
                if ("rsa".indexOf(conv) < 0) throw fail("invalid conversion character: expected 'r', 's' or 'a'");
                j += 2;
            }
            if (j < n && s.charAt(j) == ':') {
                int k = s.indexOf('}', j);
                spec = s.substring(j + 1, k < 0 ? n : k);
                if (spec.indexOf('{') >= 0) throw fail("nested replacement fields in format specs are not supported");
                j = k < 0 ? n : k;
            }
            if (j >= n || s.charAt(j) != '}') throw fail("expecting '}'");
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

    private static String formatField(Object v, char conv, String spec) {
        return format(conv == 'r' || conv == 'a' ? repr(v) : conv == 's' ? str(v) : v, spec);
    }

    /** {@code "{} {0} {name}".format(...)}. */
    private static String formatMethod(String s, List<Object> a, Map<String, Object> kw) {
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
                if (i >= a.size()) throw fail("format(): replacement index " + i + " out of range for " + a.size() + " positional arguments");
                v = a.get(i);
            } else if (name.matches("[A-Za-z_]\\w*")) {
                if (!kw.containsKey(name)) throw fail("KeyError: format() has no argument " + quote(name));
                v = kw.get(name);
            } else {
                throw fail("format field {" + name + "} is not supported");
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
        if (!m.matches()) throw fail("invalid format spec '" + spec + "'");
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
            if (!type.isEmpty() && !type.equals("s")) throw fail("unknown format code '" + type + "' for a str");
            body = precision == null ? s : s.substring(0, Math.min(precision, s.length()));
            if (align == 0) align = '<';
        } else if (isNumber(v)) {
            if (v instanceof Boolean) v = asLong(v);
            if (type.isEmpty()) {
                if (v instanceof Double && precision != null) throw fail("format spec '" + spec + "' needs a type for a float, e.g. '.2f'");
                type = v instanceof Long ? "d" : "r";
            }
            boolean negative;
            switch (type) {
                case "d", "x", "X", "o", "b" -> {
                    if (!(v instanceof Long l)) throw fail("format code '" + type + "' needs an int, not a float");
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
                default -> throw fail("format code '" + type + "' is not supported");
            }
            if (m.group(7) != null && (type.equals("d") || type.equals("f") || type.equals("F") || type.equals("r"))) {
                body = group(body, m.group(7).charAt(0));
            }
            String sign = m.group(3) == null || m.group(3).equals("-") ? "" : m.group(3);
            prefix = (negative ? "-" : sign) + prefix;
            if (align == 0) align = '>';
        } else {
            throw fail("format spec '" + spec + "' cannot be applied to a " + typeName(v));
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
                return pyFloat(d);
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
    private static String percent(String fmt, Object arg) {
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
            if (fmt.startsWith("%(", k)) throw fail("'%(name)s' formatting is not supported");
            m.region(k, fmt.length());
            if (!m.lookingAt() || m.group(4) == null) throw fail("incomplete format");
            i = m.end();
            char type = m.group(4).charAt(0);
            if (type == '%') {
                out.append('%');
                continue;
            }
            if (used >= args.size()) throw fail("not enough arguments for format string");
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
                    v = type == 's' ? str(v) : repr(v);
                    spec = (align.isEmpty() ? ">" : "<") + width + precision;
                }
                case 'd', 'i', 'u' -> {
                    if (!isNumber(v)) throw fail("%" + type + " format: a real number is required, not " + typeName(v));
                    v = toInt(v);
                    spec = align + sign + zero + width + "d";
                }
                case 'x', 'X', 'o' -> {
                    if (!isInt(v)) throw fail("%" + type + " format: an integer is required, not " + typeName(v));
                    spec = align + sign + (flags.contains("#") ? "#" : "") + zero + width + type;
                }
                case 'f', 'F', 'e', 'E' -> {
                    if (!isNumber(v)) throw fail("%" + type + " format: a real number is required, not " + typeName(v));
                    v = asDouble(v);
                    spec = align + sign + zero + width + precision + type;
                }
                default -> throw fail("unsupported format character '" + type + "'");
            }
            out.append(format(v, spec));
        }
        if (used < args.size()) throw fail("not all arguments converted during string formatting");
        return out.toString();
    }
}
