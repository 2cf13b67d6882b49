package dev.jgunicorn.settings.python;

import static dev.jgunicorn.settings.python.Formatting.formatField;
import static dev.jgunicorn.settings.python.Formatting.template;
import static dev.jgunicorn.settings.python.Operations.binop;
import static dev.jgunicorn.settings.python.Operations.compare;
import static dev.jgunicorn.settings.python.Operations.hashable;
import static dev.jgunicorn.settings.python.Operations.iterate;
import static dev.jgunicorn.settings.python.Operations.negate;
import static dev.jgunicorn.settings.python.Operations.unaryPlus;
import static dev.jgunicorn.settings.python.Py.list;
import static dev.jgunicorn.settings.python.Py.truthy;

import dev.jgunicorn.settings.ConfigFileException;
import dev.jgunicorn.settings.python.Formatting.Field;
import dev.jgunicorn.settings.python.Token.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A recursive-descent parser for the statements and expressions of a config file that is also its evaluator:
 * each expression becomes a small closure over the namespace, and each statement runs as soon as it has been
 * parsed, so errors are reported in file order. What the subset leaves out (def, class, if, for, lambda,
 * comprehensions, ...) is refused with the line and the reason.
 */
public final class Parser {
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

    @FunctionalInterface
    private interface Target {
        void assign(Object v) throws ConfigFileException;
    }

    /** A name being read: a record so that an assignment can turn it into a target. */
    record NameExpr(Namespace ns, String id, int line) implements Expr {
        @Override
        public Object eval() throws ConfigFileException {
            return ns.at(line, () -> ns.lookup(id));
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
    private record SubscriptExpr(Namespace ns, Expr obj, Expr key, int line) implements Expr {
        @Override
        public Object eval() throws ConfigFileException {
            return ns.at(line, () -> ns.getItem(obj.eval(), key.eval()));
        }
    }

    private static List<Object> evalAll(List<Expr> exprs) throws ConfigFileException {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr e : exprs) out.add(e.eval());
        return out;
    }

    /** CPython's tokenizer refuses more than 200 nested parentheses. */
    private static final int MAX_NESTING = 200;

    private final Namespace ns;
    private final Lexer lex;
    private int depth;
    private final List<Token> buf = new ArrayList<>();

    private Parser(Namespace ns, String src, int line, boolean topLevel) {
        this.ns = ns;
        this.lex = new Lexer(src, ns.file, line, topLevel);
    }

    /** Runs a config file's source in the namespace: each statement as soon as it has been parsed. */
    public static void run(String source, Namespace ns) throws ConfigFileException {
        String src = source.replace("\r\n", "\n").replace('\r', '\n');
        if (src.startsWith("\uFEFF")) src = src.substring(1);
        new Parser(ns, src, 1, true).module();
    }

    private Token peek() throws ConfigFileException {
        return peek(0);
    }

    private Token peek(int k) throws ConfigFileException {
        while (buf.size() <= k) buf.add(lex.next());
        return buf.get(k);
    }

    private Token next() throws ConfigFileException {
        Token t = peek();
        buf.remove(0);
        return t;
    }

    private boolean accept(String s) throws ConfigFileException {
        if (!peek().is(s)) return false;
        next();
        return true;
    }

    private ConfigFileException err(int line, String reason) {
        return new ConfigFileException(ns.file, line, reason);
    }

    private ConfigFileException unexpected(Token t) {
        Token unclosed = lex.unclosed();
        if (t.kind() == Kind.EOF && unclosed != null) {
            return err(unclosed.line(), "syntax error: '" + unclosed.text() + "' was never closed");
        }
        return err(t.line(), "syntax error: unexpected " + t.describe());
    }

    private void expect(String s) throws ConfigFileException {
        Token t = next();
        if (!t.is(s)) throw err(t.line(), "syntax error: expected '" + s + "', found " + t.describe());
    }

    private void close(Token open, String s) throws ConfigFileException {
        Token t = next();
        if (t.is(s)) return;
        if (t.kind() == Kind.EOF) throw unexpected(t);
        throw err(t.line(), "syntax error: unexpected " + t.describe() + ", expected ',' or '" + s + "'");
    }

    private String expectName() throws ConfigFileException {
        Token t = next();
        if (t.kind() != Kind.NAME || KEYWORDS.contains(t.text())) throw err(t.line(), "syntax error: expected a name, found " + t.describe());
        return t.text();
    }

    private Expr located(int line, Expr e) {
        return () -> ns.at(line, e);
    }

    // ---- statements

    private void module() throws ConfigFileException {
        while (peek().kind() != Kind.EOF) {
            Token first = peek();
            if (first.indented()) throw err(first.line(), "syntax error: unexpected indent");
            do {
                if (peek().kind() == Kind.NEWLINE || peek().kind() == Kind.EOF) break; // after a trailing ';'
                statement();
                ns.flushReferences();
            } while (accept(";"));
            Token end = next();
            if (end.kind() != Kind.NEWLINE && end.kind() != Kind.EOF) throw unexpected(end);
        }
    }

    private void statement() throws ConfigFileException {
        Token t = peek();
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
            if (accept("as")) ns.store(expectName(), new Namespace.Module(module), line);
            else {
                String top = module.split("\\.")[0];
                ns.store(top, new Namespace.Module(top), line);
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
        Token open = peek().is("(") ? next() : null;
        do {
            if (open != null && peek().is(")")) break;
            int at = peek().line();
            String name = expectName();
            ns.store(accept("as") ? expectName() : name, ns.member(module, name), at);
        } while (accept(","));
        if (open != null) close(open, ")");
    }

    private void expressionStatement() throws ConfigFileException {
        Expr e = testlist();
        Token t = peek();
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
            target.assign(ns.at(t.line(), () -> binop(op, e.eval(), rhs.eval())));
            return;
        }
        e.eval(); // a docstring, or a call that gets refused
    }

    private Target target(Expr e, Token eq) throws ConfigFileException {
        if (e instanceof NameExpr n) {
            ns.pending.removeIf(p -> p == n); // assigned, not read
            return v -> ns.store(n.id(), v, n.line());
        }
        if (e instanceof TupleExpr t) {
            List<Target> parts = new ArrayList<>();
            for (Expr item : t.items()) parts.add(target(item, eq));
            return v -> {
                List<?> seq = (List<?>) ns.at(eq.line(), () -> iterate(v));
                if (seq.size() != parts.size()) {
                    throw err(eq.line(), seq.size() < parts.size()
                            ? "not enough values to unpack (expected " + parts.size() + ", got " + seq.size() + ")"
                            : "too many values to unpack (expected " + parts.size() + ")");
                }
                for (int i = 0; i < parts.size(); i++) parts.get(i).assign(seq.get(i));
            };
        }
        if (e instanceof SubscriptExpr s) {
            return v -> ns.at(s.line(), () -> {
                ns.setItem(s.obj().eval(), s.key().eval(), v);
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

    private static boolean startsExpression(Token t) {
        return switch (t.kind()) {
            case NUMBER, STRING -> true;
            case NAME -> !KEYWORDS.contains(t.text()) || EXPRESSION_KEYWORDS.contains(t.text());
            case OP -> Set.of("(", "[", "{", "-", "+", "~", "*").contains(t.text());
            default -> false;
        };
    }

    private Expr test() throws ConfigFileException {
        return nested(peek(), this::conditional);
    }

    /**
     * Parses one more level of a nested expression. The parser and the closures it builds recurse once per level,
     * so the depth is bounded (by CPython's own limit on nested parentheses) and a file nesting deeper gets a
     * ConfigFileException instead of a StackOverflowError.
     */
    private Expr nested(Token at, Operand inner) throws ConfigFileException {
        deeper(at);
        try {
            return inner.parse();
        } finally {
            depth--;
        }
    }

    private void deeper(Token at) throws ConfigFileException {
        if (depth >= MAX_NESTING) {
            throw err(at.line(), "expression nested too deeply (more than " + MAX_NESTING
                    + " levels of brackets, operators, calls, subscripts and attributes)");
        }
        depth++;
    }

    private Expr conditional() throws ConfigFileException {
        Token t = peek();
        if (t.is("lambda")) throw err(t.line(), "lambda expressions are not supported: Python callables cannot run on the JVM");
        Expr body = orTest();
        if (peek().is(":=")) throw err(peek().line(), "assignment expressions (:=) are not supported");
        if (!accept("if")) return body;
        Expr condition = orTest();
        Token e = next();
        if (!e.is("else")) throw err(e.line(), "syntax error: expected 'else' in conditional expression, found " + e.describe());
        Expr other = test();
        return () -> truthy(condition.eval()) ? body.eval() : other.eval();
    }

    // Runs of 'or', 'and' and binary operators are evaluated in a loop, not as one closure per operator calling the
    // previous one: a file-long run of operators would otherwise overflow the stack.

    private Expr orTest() throws ConfigFileException {
        List<Expr> operands = operands("or", this::andTest);
        if (operands.size() == 1) return operands.get(0);
        return () -> {
            Object v = null;
            for (Expr e : operands) {
                v = e.eval();
                if (truthy(v)) return v;
            }
            return v;
        };
    }

    private Expr andTest() throws ConfigFileException {
        List<Expr> operands = operands("and", this::notTest);
        if (operands.size() == 1) return operands.get(0);
        return () -> {
            Object v = null;
            for (Expr e : operands) {
                v = e.eval();
                if (!truthy(v)) return v;
            }
            return v;
        };
    }

    private List<Expr> operands(String keyword, Operand operand) throws ConfigFileException {
        List<Expr> operands = new ArrayList<>();
        operands.add(operand.parse());
        while (accept(keyword)) operands.add(operand.parse());
        return operands;
    }

    private Expr notTest() throws ConfigFileException {
        Token t = peek();
        if (!accept("not")) return comparison();
        Expr e = nested(t, this::notTest);
        return () -> !truthy(e.eval());
    }

    /** {@code a < b <= c} means {@code a < b and b <= c}, with b evaluated once. */
    private Expr comparison() throws ConfigFileException {
        Expr first = arith();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        int line = 0;
        while (true) {
            Token t = peek();
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
        Expr left = binaryRun(this::term, "+", "-");
        Token t = peek();
        if (t.kind() == Kind.OP && BITWISE.contains(t.text())) throw err(t.line(), "operator '" + t.text() + "' is not supported");
        return left;
    }

    private Expr term() throws ConfigFileException {
        return binaryRun(this::factor, "*", "/", "//", "%");
    }

    /** A left-associative run of binary operators of one precedence. */
    private Expr binaryRun(Operand operand, String... operators) throws ConfigFileException {
        Expr first = operand.parse();
        List<Token> ops = new ArrayList<>();
        List<Expr> rights = new ArrayList<>();
        while (isAny(peek(), operators)) {
            ops.add(next());
            rights.add(operand.parse());
        }
        if (ops.isEmpty()) return first;
        return () -> {
            Object v = first.eval();
            for (int i = 0; i < ops.size(); i++) {
                Object left = v;
                Token op = ops.get(i);
                Expr right = rights.get(i);
                v = ns.at(op.line(), () -> binop(op.text(), left, right.eval()));
            }
            return v;
        };
    }

    private static boolean isAny(Token t, String... texts) {
        for (String s : texts) {
            if (t.is(s)) return true;
        }
        return false;
    }

    private interface Operand {
        Expr parse() throws ConfigFileException;
    }

    private Expr binary(Expr l, Token op, Operand right) throws ConfigFileException {
        Expr r = right.parse();
        return located(op.line(), () -> binop(op.text(), l.eval(), r.eval()));
    }

    private Expr factor() throws ConfigFileException {
        Token t = peek();
        if (t.is("~")) throw err(t.line(), "operator '~' is not supported");
        if (!t.is("-") && !t.is("+")) return power();
        next();
        Expr e = nested(t, this::factor);
        boolean minus = t.is("-");
        return located(t.line(), () -> minus ? negate(e.eval()) : unaryPlus(e.eval()));
    }

    private Expr power() throws ConfigFileException {
        Expr base = postfix();
        if (!peek().is("**")) return base;
        Token op = next();
        return binary(base, op, () -> nested(op, this::factor)); // right-associative, binds tighter than unary minus on its left
    }

    /** Each call, subscript or attribute wraps the closure before it: a nesting level of its own. */
    private Expr postfix() throws ConfigFileException {
        int entered = depth;
        try {
            return trailers(atom());
        } finally {
            depth = entered;
        }
    }

    private Expr trailers(Expr e) throws ConfigFileException {
        while (true) {
            Token t = peek();
            if (t.is("(") || t.is("[") || t.is(".")) deeper(t);
            if (t.is("(")) {
                e = call(e, next());
            } else if (t.is("[")) {
                e = subscript(e, next());
            } else if (t.is(".")) {
                next();
                String name = expectName();
                Token after = peek(); // an unsupported module attribute is refused as "call" or "use"
                String use = after.is("(") ? "call" : after.is(".") ? "chain" : "use";
                Expr obj = e;
                e = located(t.line(), () -> ns.attribute(obj.eval(), name, use));
            } else {
                return e;
            }
        }
    }

    private Expr call(Expr callee, Token open) throws ConfigFileException {
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        while (!peek().is(")")) {
            Token t = peek();
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
            ns.checkCallable(f); // before the arguments, so that print(...) is refused as such
            Map<String, Object> kw = new LinkedHashMap<>();
            List<Object> a = evalAll(args);
            for (Map.Entry<String, Expr> k : kwargs.entrySet()) kw.put(k.getKey(), k.getValue().eval());
            return ns.call(f, a, kw);
        });
    }

    private Expr subscript(Expr obj, Token open) throws ConfigFileException {
        Expr lower = peek().is(":") ? null : test();
        Expr key = lower;
        if (accept(":")) {
            Expr upper = peek().is("]") || peek().is(":") ? null : test();
            if (accept(":") && !peek().is("]")) throw err(peek().line(), "slice steps are not supported");
            key = () -> new Operations.Slice(lower == null ? null : lower.eval(), upper == null ? null : upper.eval());
        }
        close(open, "]");
        return new SubscriptExpr(ns, obj, key, open.line());
    }

    private Expr atom() throws ConfigFileException {
        Token t = next();
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
        NameExpr n = new NameExpr(ns, t.text(), t.line());
        ns.pending.add(n);
        return n;
    }

    private static Expr constant(Object v) {
        return () -> v;
    }

    /** Adjacent string literals, some of them maybe f-strings, make one string. */
    private Expr strings(Token first) throws ConfigFileException {
        List<Expr> parts = new ArrayList<>();
        boolean literal = true;
        for (Token t = first; ; t = next()) {
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
                Expr e = new Parser(ns, f.expr(), line, false).standalone();
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
    private Expr standalone() throws ConfigFileException {
        Expr e = testlist();
        Token t = next();
        if (t.kind() == Kind.NEWLINE) t = next();
        if (t.kind() != Kind.EOF) throw err(t.line(), "f-string: syntax error: unexpected " + t.describe());
        return e;
    }

    private Expr parenthesized(Token open) throws ConfigFileException {
        if (accept(")")) return new TupleExpr(List.of());
        Expr first = test();
        if (peek().is("for")) throw err(peek().line(), "generator expressions are not supported");
        if (accept(")")) return first;
        List<Expr> items = new ArrayList<>(List.of(first));
        while (accept(",") && !peek().is(")")) items.add(test());
        close(open, ")");
        return new TupleExpr(items);
    }

    private Expr listDisplay(Token open) throws ConfigFileException {
        List<Expr> items = new ArrayList<>();
        while (!peek().is("]")) {
            items.add(test());
            if (peek().is("for")) throw err(peek().line(), "list comprehensions are not supported");
            if (!accept(",")) break;
        }
        close(open, "]");
        return () -> list(evalAll(items));
    }

    private Expr dictDisplay(Token open) throws ConfigFileException {
        List<Expr[]> entries = new ArrayList<>();
        while (!peek().is("}")) {
            if (peek().is("**")) throw err(peek().line(), "dict unpacking (**) is not supported");
            Expr k = test();
            if (peek().is("for")) throw err(peek().line(), "set comprehensions are not supported");
            Token colon = next();
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
