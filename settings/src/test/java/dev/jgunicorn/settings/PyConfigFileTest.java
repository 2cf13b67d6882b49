package dev.jgunicorn.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PyConfigFileTest {
    private static final String FILE = "gunicorn.conf.py";
    private static final Map<String, String> ENV = Map.of("PORT", "9000", "TIMEOUT", "45", "EMPTY", "", "HEX", "ff");

    private static PyConfigFile parse(String source) throws ConfigFileException {
        return PyConfigFile.parse(source, FILE, ENV, 4);
    }

    private static Map<String, Object> values(String source) throws ConfigFileException {
        return parse(source).values();
    }

    /** The value of one Python expression, evaluated as {@code x = EXPR} after the given imports. */
    private static Object eval(String expression) throws ConfigFileException {
        Map<String, Object> v = values("import os, multiprocessing\nx = " + expression + "\n");
        assertTrue(v.containsKey("x"));
        return v.get("x");
    }

    /** Asserts that the source is refused at the line with a reason containing every fragment. */
    private static ConfigFileException assertRefused(String source, int line, String... fragments) {
        ConfigFileException e = assertThrows(ConfigFileException.class, () -> parse(source), source);
        assertEquals(FILE, e.file(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(FILE + ":" + line + ": " + e.reason(), e.getMessage());
        for (String f : fragments) assertTrue(e.reason().contains(f), "'" + f + "' not in: " + e.getMessage());
        return e;
    }

    // ------------------------------------------------------------------ realistic files

    private static final String FLASK = """
            # gunicorn.conf.py
            import multiprocessing
            import os

            bind = os.environ.get("BIND", "0.0.0.0:8000")
            workers = multiprocessing.cpu_count() * 2 + 1
            threads = 2
            worker_class = "gthread"
            worker_connections = 1000
            daemon = False
            pidfile = None
            accesslog = "-"
            errorlog = "-"
            loglevel = "info"
            timeout = int(os.getenv("TIMEOUT", "30"))
            raw_env = ["APP_ENV=production", f"WORKERS={workers}"]
            limit_request_line = 4094
            """;

    @Test
    void typicalFlaskDeployment() throws Exception {
        PyConfigFile f = PyConfigFile.parse(FLASK, FILE, Map.of(), 4);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("bind", "0.0.0.0:8000");
        expected.put("workers", 9L);
        expected.put("threads", 2L);
        expected.put("worker_class", "gthread");
        expected.put("worker_connections", 1000L);
        expected.put("daemon", false);
        expected.put("pidfile", null);
        expected.put("accesslog", "-");
        expected.put("errorlog", "-");
        expected.put("loglevel", "info");
        expected.put("timeout", 30L);
        expected.put("raw_env", List.of("APP_ENV=production", "WORKERS=9"));
        expected.put("limit_request_line", 4094L);
        assertEquals(expected, f.values());
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(f.values().keySet()), "order of assignment");
        assertEquals(5, f.lineOf("bind"));
        assertEquals(17, f.lineOf("limit_request_line"));
        assertTrue(f.referencedNames().containsAll(Set.of("os", "multiprocessing", "int", "workers")));
        assertFalse(f.referencedNames().contains("threads"));
    }

    @Test
    void flaskDeploymentTakesTheEnvironment() throws Exception {
        PyConfigFile f = PyConfigFile.parse(FLASK, FILE, Map.of("BIND", "unix:/run/app.sock", "TIMEOUT", "120"), 16);
        assertEquals("unix:/run/app.sock", f.values().get("bind"));
        assertEquals(33L, f.values().get("workers"));
        assertEquals(120L, f.values().get("timeout"));
        assertEquals(List.of("APP_ENV=production", "WORKERS=33"), f.values().get("raw_env"));
    }

    @Test
    void gunicornDocsExample() throws Exception {
        Map<String, Object> v = values("""
                import multiprocessing

                bind = "127.0.0.1:8000"
                workers = multiprocessing.cpu_count() * 2 + 1
                """);
        assertEquals(Map.of("bind", "127.0.0.1:8000", "workers", 9L), v);
    }

    private static final String GUNICORN_EXAMPLE = """
            # Sample Gunicorn configuration file.

            #
            # Server socket
            #
            #   bind - The socket to bind.
            #

            bind = '127.0.0.1:8000'
            backlog = 2048

            workers = 1
            worker_class = 'sync'
            worker_connections = 1000
            timeout = 30
            keepalive = 2

            spew = False

            daemon = False
            raw_env = [
                'DJANGO_SECRET_KEY=something',
                'SPAM=eggs',
            ]
            pidfile = None
            umask = 0
            user = None
            group = None
            tmp_upload_dir = None

            errorlog = '-'
            loglevel = 'info'
            accesslog = '-'
            access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'

            proc_name = None
            """;

    @Test
    void gunicornExampleConfigSettings() throws Exception {
        PyConfigFile f = parse(GUNICORN_EXAMPLE);
        Map<String, Object> v = f.values();
        assertEquals(20, v.size());
        assertEquals("127.0.0.1:8000", v.get("bind"));
        assertEquals(2048L, v.get("backlog"));
        assertEquals(List.of("DJANGO_SECRET_KEY=something", "SPAM=eggs"), v.get("raw_env"));
        assertEquals("%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"", v.get("access_log_format"));
        assertTrue(v.containsKey("proc_name"));
        assertNull(v.get("proc_name"));
        assertEquals(21, f.lineOf("raw_env"));
        assertEquals(36, f.lineOf("proc_name"));
    }

    @Test
    void gunicornExampleConfigHooksAreRefusedAtTheFirstDef() {
        String hooks = GUNICORN_EXAMPLE + """

                def post_fork(server, worker):
                    server.log.info("Worker spawned (pid: %s)", worker.pid)

                def pre_fork(server, worker):
                    pass
                """;
        assertRefused(hooks, 38, "function definitions (def post_fork) are not supported",
                "server hooks are Python callables and cannot run on the JVM");
    }

    @Test
    void djangoStyleConfigWithPercentFormattingAndDicts() throws Exception {
        Map<String, Object> v = PyConfigFile.parse("""
                \"""Gunicorn *production* config.\"""
                from multiprocessing import cpu_count
                from os import environ as env, getenv

                PORT = int(env.get("PORT", 8000))
                bind = "0.0.0.0:%d" % PORT
                workers = max(2, min(cpu_count() * 2 + 1, 8))
                loglevel = getenv("LOG_LEVEL", "INFO").lower()
                forwarded_allow_ips = "*"
                secure_scheme_headers = {
                    "X-FORWARDED-PROTOCOL": "ssl",
                    "X-FORWARDED-PROTO": "https",  # trailing comma and a comment
                }
                max_requests = 1000; max_requests_jitter = 50
                preload_app = env.get("PRELOAD", "false").lower() in ("1", "true", "yes")
                """, FILE, Map.of("PORT", "5000"), 8).values();
        assertEquals(5000L, v.get("PORT"));
        assertEquals("0.0.0.0:5000", v.get("bind"));
        assertEquals(8L, v.get("workers"));
        assertEquals("info", v.get("loglevel"));
        assertEquals(Map.of("X-FORWARDED-PROTOCOL", "ssl", "X-FORWARDED-PROTO", "https"), v.get("secure_scheme_headers"));
        assertInstanceOf(LinkedHashMap.class, v.get("secure_scheme_headers"));
        assertEquals(50L, v.get("max_requests_jitter"));
        assertEquals(false, v.get("preload_app"));
        assertFalse(v.containsKey("env"), "os.environ bound to a name is not a value");
        assertFalse(v.containsKey("cpu_count"));
    }

    // ------------------------------------------------------------------ the result

    @Test
    void valueTypes() throws Exception {
        Map<String, Object> v = values("""
                i = 42
                f = 1.5
                s = 'text'
                t = True
                n = None
                l = [1, 'a', None]
                tup = (1, 2)
                d = {'a': 1, 2: [3]}
                """);
        assertEquals(42L, v.get("i"));
        assertEquals(1.5, v.get("f"));
        assertEquals("text", v.get("s"));
        assertEquals(Boolean.TRUE, v.get("t"));
        assertTrue(v.containsKey("n"));
        assertNull(v.get("n"));
        assertEquals(Arrays.asList(1L, "a", null), v.get("l"));
        assertEquals(List.of(1L, 2L), v.get("tup"));
        Map<Object, Object> d = new LinkedHashMap<>();
        d.put("a", 1L);
        d.put(2L, List.of(3L));
        assertEquals(d, v.get("d"));
        assertThrows(UnsupportedOperationException.class, () -> ((List<?>) v.get("l")).clear());
        assertThrows(UnsupportedOperationException.class, () -> ((List<?>) v.get("tup")).clear());
    }

    @Test
    void valuesKeepFirstAssignmentOrderAndLineOfTheLastAssignment() throws Exception {
        PyConfigFile f = parse("b = 1\na = 2\n\nb = 3\n");
        assertEquals(List.of("b", "a"), List.copyOf(f.values().keySet()));
        assertEquals(3L, f.values().get("b"));
        assertEquals(4, f.lineOf("b"));
        assertEquals(2, f.lineOf("a"));
        assertEquals(-1, f.lineOf("nope"));
        f.values().clear();
        assertEquals(2, f.values().size(), "values() is a copy");
    }

    @Test
    void referencedNamesAreNamesReadNotNamesAssigned() throws Exception {
        PyConfigFile f = parse("""
                base = 8000
                port = base + 1
                unused = 3
                counter = 1
                counter += 1
                label = f"{port}"
                a, b = 1, 2
                d = {}
                d["k"] = 1
                cond = 1 if True else other
                """);
        assertEquals(Set.of("base", "port", "d", "other"), f.referencedNames());
        assertThrows(UnsupportedOperationException.class, () -> f.referencedNames().add("x"));
    }

    @Test
    void emptyFilesAndFilesOfCommentsHaveNoValues() throws Exception {
        assertTrue(values("").isEmpty());
        assertTrue(values("# nothing\n\n   # indented comment\n\n").isEmpty());
        assertTrue(values("\"\"\"A docstring.\"\"\"\npass\n").isEmpty());
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gunicorn.conf.py");
        Files.writeString(file, "import os\r\nworkers = 3\r\nbind = os.environ['PORT']\r\n");
        PyConfigFile f = PyConfigFile.read(file, Map.of("PORT", "1234"), 2);
        assertEquals(Map.of("workers", 3L, "bind", "1234"), f.values());
        assertEquals(3, f.lineOf("bind"));
        Files.writeString(file, "workers = 3\nworkers = cpus\n");
        ConfigFileException e = assertThrows(ConfigFileException.class, () -> PyConfigFile.read(file, Map.of(), 2));
        assertEquals(file + ":2: name 'cpus' is not defined", e.getMessage());
        assertEquals(file.toString(), e.file());
    }

    @Test
    void exceptionCarriesFileLineAndReason() {
        ConfigFileException e = new ConfigFileException("a.py", 7, "boom");
        assertEquals("a.py:7: boom", e.getMessage());
        assertEquals("a.py", e.file());
        assertEquals(7, e.line());
        assertEquals("boom", e.reason());
    }

    // ------------------------------------------------------------------ layout

    @Test
    void lineStructure() throws Exception {
        PyConfigFile f = parse("""
                # comment
                a = 1 + \\
                    2  # continued with a backslash
                b = (1 +
                     2)
                c = [
                    1,

                    # a comment inside brackets
                    2,
                ]
                d = {'x':
                     1}
                e = 1; f = 2;
                g = 3
                """);
        assertEquals(3L, f.values().get("a"));
        assertEquals(3L, f.values().get("b"));
        assertEquals(List.of(1L, 2L), f.values().get("c"));
        assertEquals(Map.of("x", 1L), f.values().get("d"));
        assertEquals(2L, f.values().get("f"));
        assertEquals(14, f.lineOf("e"));
        assertEquals(14, f.lineOf("f"));
        assertEquals(15, f.lineOf("g"));
    }

    @Test
    void tripleQuotedStringsAndBackslashesKeepLineNumbers() throws Exception {
        PyConfigFile f = parse("a = '''one\ntwo\nthree'''\nb = 'x\\\ny'\nc = 1\n");
        assertEquals("one\ntwo\nthree", f.values().get("a"));
        assertEquals("xy", f.values().get("b"));
        assertEquals(6, f.lineOf("c"));
        assertRefused("a = '''\n\n'''\nb = nope\n", 4, "name 'nope' is not defined");
    }

    @Test
    void fileWithoutTrailingNewlineAndWithBom() throws Exception {
        assertEquals(Map.of("a", 1L), values("\uFEFFa = 1"));
        assertEquals(Map.of("a", 1L), values("a = 1  # no newline"));
    }

    // ------------------------------------------------------------------ imports

    @Test
    void importForms() throws Exception {
        Map<String, Object> v = values("""
                import os
                import multiprocessing
                import os, multiprocessing
                import multiprocessing as mp
                import os.path
                from multiprocessing import cpu_count
                from os import environ, getenv
                from os import environ as env
                from os import (
                    getenv as ge,
                    cpu_count as occ,
                )
                a = mp.cpu_count()
                b = cpu_count()
                c = os.cpu_count()
                d = environ['PORT']
                e = getenv('PORT')
                f = env.get('PORT')
                g = ge('NOPE', 'x')
                h = occ()
                """);
        assertEquals(Map.of("a", 4L, "b", 4L, "c", 4L, "d", "9000", "e", "9000", "f", "9000", "g", "x", "h", 4L), v);
    }

    @Test
    void otherModulesMayBeImportedWhenUnused() throws Exception {
        Map<String, Object> v = values("""
                import sys
                import logging, logging.config
                from pathlib import Path
                from os import path
                import json as j
                from __future__ import annotations
                workers = 2
                """);
        assertEquals(Map.of("workers", 2L), v);
    }

    @Test
    void usingAnotherModuleIsRefusedByName() {
        assertRefused("import sys\n\n\nsys.exit(1)\n", 4, "cannot call sys.exit", "module 'sys' is not supported");
        assertRefused("import sys\nx = sys.argv\n", 2, "cannot use sys.argv");
        assertRefused("import sys\nx = sys.argv[1]\n", 2, "cannot use sys.argv");
        assertRefused("import logging\nlogging.getLogger('x').setLevel(10)\n", 2, "cannot call logging.getLogger");
        assertRefused("from logging import getLogger\nlog = getLogger(__name__)\n", 2, "cannot call logging.getLogger");
        assertRefused("import os\npidfile = os.path.join('/run', 'x.pid')\n", 2, "cannot call os.path.join",
                "only os.environ, os.getenv() and os.cpu_count() are supported");
        assertRefused("import os\nos.system('ls')\n", 2, "cannot call os.system");
        assertRefused("import multiprocessing as mp\nx = mp.Pool()\n", 2, "cannot call multiprocessing.Pool",
                "only multiprocessing.cpu_count() is supported");
        assertRefused("import sys\nsys.stdout.write('x')\n", 2, "cannot call sys.stdout.write");
    }

    @Test
    void importErrors() {
        assertRefused("from os import *\n", 1, "wildcard imports (from os import *) are not supported");
        assertRefused("from . import settings\n", 1, "relative imports are not supported");
        assertRefused("import\n", 1, "syntax error: expected a name, found end of line");
        assertRefused("from os environ\n", 1, "syntax error: expected 'import', found 'environ'");
    }

    // ------------------------------------------------------------------ assignments

    @Test
    void assignments() throws Exception {
        Map<String, Object> v = values("""
                a = b = 1
                c = 10
                c += 5
                c -= 1
                c *= 2
                c //= 3
                c %= 5
                d = 7
                d /= 2
                e = 2
                e **= 10
                s = 'ab'
                s += 'c'
                s *= 2
                l = [1]
                l += [2]
                x, y = 1, 2
                (p, q), r = (3, 4), 5
                h, k = 'hk'
                y, x = x, y
                t = 1, 2
                one = 1,
                workers: int = 3
                declared: int
                d2 = {'a': {'b': 1}}
                d2['a']['b'] = 2
                d2['c'] = 3
                d2['c'] += 1
                (paren) = 4
                """);
        assertEquals(1L, v.get("a"));
        assertEquals(1L, v.get("b"));
        assertEquals(4L, v.get("c"));
        assertEquals(3.5, v.get("d"));
        assertEquals(1024L, v.get("e"));
        assertEquals("abcabc", v.get("s"));
        assertEquals(List.of(1L, 2L), v.get("l"));
        assertEquals(2L, v.get("x"));
        assertEquals(1L, v.get("y"));
        assertEquals(List.of(3L, 4L, 5L), List.of(v.get("p"), v.get("q"), v.get("r")));
        assertEquals("h", v.get("h"));
        assertEquals(List.of(1L, 2L), v.get("t"));
        assertEquals(List.of(1L), v.get("one"));
        assertEquals(3L, v.get("workers"));
        assertFalse(v.containsKey("declared"));
        assertEquals(Map.of("a", Map.of("b", 2L), "c", 4L), v.get("d2"));
        assertEquals(4L, v.get("paren"));
    }

    @Test
    void assignmentErrors() {
        assertRefused("a, b = 1, 2, 3\n", 1, "too many values to unpack (expected 2)");
        assertRefused("a, b, c = [1, 2]\n", 1, "not enough values to unpack (expected 3, got 2)");
        assertRefused("a, b = 5\n", 1, "'int' object is not iterable");
        assertRefused("x = 1\nx + 1 = 2\n", 2, "syntax error: cannot assign to this expression");
        assertRefused("f() = 2\n", 1, "cannot assign");
        assertRefused("None = 2\n", 1, "cannot assign");
        assertRefused("\nnope += 1\n", 2, "name 'nope' is not defined");
        assertRefused("a, b += 1\n", 1, "illegal expression for augmented assignment");
        assertRefused("a = 1\na |= 2\n", 2, "operator '|=' is not supported");
        assertRefused("l = [1]\nl[0] = 2\n", 2, "'list' object does not support item assignment");
        assertRefused("s = 'ab'\ns[0] = 'c'\n", 2, "'str' object does not support item assignment");
        assertRefused("d = {}\nd[[1]] = 2\n", 2, "unhashable type: 'list'");
        assertRefused("a =\n", 1, "syntax error: unexpected end of line");
        assertRefused("a = 1 2\n", 1, "syntax error: unexpected '2'");
    }

    @Test
    void settingTheEnvironmentIsRefusedWithAHint() {
        assertRefused("import os\n\nos.environ['DJANGO_SETTINGS_MODULE'] = 'app.settings'\n", 3,
                "cannot assign to os.environ['DJANGO_SETTINGS_MODULE']", "raw_env");
    }

    // ------------------------------------------------------------------ literals

    static Stream<Arguments> literals() {
        return Stream.of(
                Arguments.of("0", 0L),
                Arguments.of("1_000_000", 1_000_000L),
                Arguments.of("0x1F", 31L),
                Arguments.of("0XfF", 255L),
                Arguments.of("0o755", 493L),
                Arguments.of("0b1010", 10L),
                Arguments.of("0x_ff_ff", 65535L),
                Arguments.of("9223372036854775807", Long.MAX_VALUE),
                Arguments.of("-9223372036854775807 - 1", Long.MIN_VALUE),
                Arguments.of("1.5", 1.5),
                Arguments.of(".5", 0.5),
                Arguments.of("5.", 5.0),
                Arguments.of("1e3", 1000.0),
                Arguments.of("1.5E-3", 0.0015),
                Arguments.of("1_000.000_1", 1000.0001),
                Arguments.of("'single'", "single"),
                Arguments.of("\"double\"", "double"),
                Arguments.of("'it\\'s'", "it's"),
                Arguments.of("\"say \\\"hi\\\"\"", "say \"hi\""),
                Arguments.of("'a\\nb\\tc\\\\d'", "a\nb\tc\\d"),
                Arguments.of("'\\x41\\u00e9\\U0001F600\\101\\0'", "Aé\uD83D\uDE00A\0"),
                Arguments.of("'\\d unknown escapes stay'", "\\d unknown escapes stay"),
                Arguments.of("r'C:\\new\\table'", "C:\\new\\table"),
                Arguments.of("R\"\\d+\"", "\\d+"),
                Arguments.of("u'unicode prefix'", "unicode prefix"),
                Arguments.of("'''it's \"triple\"'''", "it's \"triple\""),
                Arguments.of("\"\"\"a\nb\"\"\"", "a\nb"),
                Arguments.of("'adjacent' \"strings\" '''join'''", "adjacentstringsjoin"),
                Arguments.of("('implicit '\n     'continuation')", "implicit continuation"),
                Arguments.of("''", ""),
                Arguments.of("'héllo wörld'", "héllo wörld"),
                Arguments.of("True", true),
                Arguments.of("False", false),
                Arguments.of("[]", List.of()),
                Arguments.of("[1, [2, 3],]", List.of(1L, List.of(2L, 3L))),
                Arguments.of("()", List.of()),
                Arguments.of("(1,)", List.of(1L)),
                Arguments.of("(1)", 1L),
                Arguments.of("1, 'a'", List.of(1L, "a")),
                Arguments.of("{}", Map.of()),
                Arguments.of("{'a': 1, 'a': 2}", Map.of("a", 2L)),
                Arguments.of("{(1, 2): 'tuple key'}", Map.of(List.of(1L, 2L), "tuple key")));
    }

    @ParameterizedTest
    @MethodSource("literals")
    void literal(String source, Object expected) throws Exception {
        assertEquals(expected, eval(source));
    }

    @Test
    void noneIsNull() throws Exception {
        assertNull(eval("None"));
        assertEquals(Arrays.asList(null, 1L), eval("[None, 1]"));
    }

    @Test
    void literalErrors() {
        assertRefused("a = 1\nb = 0777\n", 2, "leading zeros in decimal integer literals are not permitted");
        assertRefused("a = 9223372036854775808\n", 1, "too large");
        assertRefused("a = 0xFFFFFFFFFFFFFFFF\n", 1, "too large");
        assertRefused("a = 3j\n", 1, "complex numbers (3j) are not supported");
        assertRefused("a = 0b102\n", 1, "invalid number literal '0b102'");
        assertRefused("a = 1__0\n", 1, "invalid number literal '1__0'");
        assertRefused("a = 12abc\n", 1, "invalid number literal '12abc'");
        assertRefused("a = b'bytes'\n", 1, "bytes literals (b'...') are not supported");
        assertRefused("a = 'open\nb = 1\n", 1, "syntax error: unterminated string literal");
        assertRefused("x = 1\na = '''open\n\nb = 1\n", 2, "syntax error: unterminated triple-quoted string literal");
        assertRefused("a = '\\x4'\n", 1, "truncated \\x escape");
        assertRefused("a = '\\N{DASH}'\n", 1, "\\N{...} escapes are not supported");
        assertRefused("a = {1, 2}\n", 1, "set literals are not supported");
        assertRefused("a = {'k' 1}\n", 1, "syntax error: unexpected '1', expected ':'");
        assertRefused("a = {**b}\n", 1, "dict unpacking (**) is not supported");
        assertRefused("a = {[1]: 2}\n", 1, "unhashable type: 'list'");
    }

    // ------------------------------------------------------------------ f-strings

    static Stream<Arguments> fstrings() {
        return Stream.of(
                Arguments.of("f'{n}'", "3"),
                Arguments.of("f'{n * 2 + 1} workers'", "7 workers"),
                Arguments.of("F\"{s}:{n}\"", "host:3"),
                Arguments.of("f'{s!r}'", "'host'"),
                Arguments.of("f'{s!s}'", "host"),
                Arguments.of("f'{l}'", "[1, 'a', None]"),
                Arguments.of("f'{t}'", "(1,)"),
                Arguments.of("f'{d}'", "{'k': True}"),
                Arguments.of("f'{{literal}} {n}'", "{literal} 3"),
                Arguments.of("f'{d[\"k\"]}'", "True"),
                Arguments.of("f\"{d['k']}\"", "True"),
                Arguments.of("f'{os.environ.get(\"PORT\", 80)}'", "9000"),
                Arguments.of("f'{n != 3}'", "False"),
                Arguments.of("f'{n:03d}|{n:>4}|{n:<4}|{n:^5}|'", "003|   3|3   |  3  |"),
                Arguments.of("f'{x:.2f} {x:8.3f} {x:e}'", "2.50    2.500 2.500000e+00"),
                Arguments.of("f'{s:>6}|{s:*^8}|{s:.2}'", "  host|**host**|ho"),
                Arguments.of("f'{big:,} {big:_d} {255:#x} {255:X} {5:b} {8:o}'", "1,234,567 1_234_567 0xff FF 101 10"),
                Arguments.of("f'{-5:+d} {5:+d} {0.25:.0%}'", "-5 +5 25%"),
                Arguments.of("f'{x}' f'{n}' 'plain'", "2.53plain"),
                Arguments.of("rf'\\d{n}'", "\\d3"),
                Arguments.of("f'''{n}\n{s}'''", "3\nhost"),
                Arguments.of("f'{True} {None} {1.0} {1e16} {0.0001} {1e-5}'", "True None 1.0 1e+16 0.0001 1e-05"));
    }

    @ParameterizedTest
    @MethodSource("fstrings")
    void fstring(String source, String expected) throws Exception {
        Map<String, Object> v = values("import os\nn = 3\ns = 'host'\nl = [1, 'a', None]\nt = (1,)\nd = {'k': True}\n"
                + "x = 2.5\nbig = 1234567\nr = " + source + "\n");
        assertEquals(expected, v.get("r"));
    }

    @Test
    void fstringErrors() {
        assertRefused("a = 1\nb = f'{}'\n", 2, "f-string: empty expression not allowed");
        assertRefused("b = f'{nope}'\n", 1, "name 'nope' is not defined");
        assertRefused("b = f'{1 +}'\n", 1, "syntax error");
        assertRefused("b = f'{1'\n", 1, "f-string: expecting '}'");
        assertRefused("b = f'1}'\n", 1, "f-string: single '}' is not allowed");
        assertRefused("b = f'{1!x}'\n", 1, "invalid conversion character");
        assertRefused("w = 5\nb = f'{1:{w}}'\n", 2, "nested replacement fields in format specs are not supported");
        assertRefused("b = f'{1:q}'\n", 1, "invalid format spec 'q'");
        assertRefused("b = f'{1.5:d}'\n", 1, "format code 'd' needs an int");
        assertRefused("b = f'{\"s\":d}'\n", 1, "unknown format code 'd' for a str");
        assertRefused("b = f'{[1]:>5}'\n", 1, "cannot be applied to a list");
        assertRefused("b = f'{1.5:.2}'\n", 1, "needs a type for a float");
        assertRefused("b = f'{1:g}'\n", 1, "format code 'g' is not supported");
    }

    // ------------------------------------------------------------------ expressions

    static Stream<Arguments> expressions() {
        return Stream.of(
                // arithmetic, with Python's int/float rules
                Arguments.of("1 + 2 * 3", 7L),
                Arguments.of("(1 + 2) * 3", 9L),
                Arguments.of("7 / 2", 3.5),
                Arguments.of("6 / 3", 2.0),
                Arguments.of("7 // 2", 3L),
                Arguments.of("-7 // 2", -4L),
                Arguments.of("7.5 // 2", 3.0),
                Arguments.of("-7 % 3", 2L),
                Arguments.of("7 % -3", -2L),
                Arguments.of("-7.5 % 2", 0.5),
                Arguments.of("2 ** 10", 1024L),
                Arguments.of("2 ** 3 ** 2", 512L),
                Arguments.of("-2 ** 2", -4L),
                Arguments.of("2 ** -1", 0.5),
                Arguments.of("4.0 ** 0.5", 2.0),
                Arguments.of("-5", -5L),
                Arguments.of("+5", 5L),
                Arguments.of("--5", 5L),
                Arguments.of("-1.5", -1.5),
                Arguments.of("1 + 2.5", 3.5),
                Arguments.of("0.1 + 0.2", 0.30000000000000004),
                Arguments.of("True + True", 2L),
                Arguments.of("10 - 2 - 3", 5L),
                Arguments.of("100 // 7 % 4", 2L),
                Arguments.of("'ab' * 3", "ababab"),
                Arguments.of("3 * 'ab'", "ababab"),
                Arguments.of("'ab' * 0", ""),
                Arguments.of("'ab' * -1", ""),
                Arguments.of("[0] * 3", List.of(0L, 0L, 0L)),
                Arguments.of("[1] + [2, 3]", List.of(1L, 2L, 3L)),
                Arguments.of("(1,) + (2,)", List.of(1L, 2L)),
                Arguments.of("'a' + 'b'", "ab"),
                // comparisons and boolean logic
                Arguments.of("1 < 2", true),
                Arguments.of("1 < 2 < 3", true),
                Arguments.of("1 < 3 < 2", false),
                Arguments.of("2 >= 2.0", true),
                Arguments.of("1 == 1.0", true),
                Arguments.of("1 != 1", false),
                Arguments.of("True == 1", true),
                Arguments.of("'a' < 'b' <= 'b'", true),
                Arguments.of("[1, 2] < [1, 3]", true),
                Arguments.of("[1, 2] == [1, 2]", true),
                Arguments.of("[1, 2] == (1, 2)", false),
                Arguments.of("{'a': 1} == {'a': 1.0}", true),
                Arguments.of("None == None", true),
                Arguments.of("None is None", true),
                Arguments.of("1 is not None", true),
                Arguments.of("'b' in 'abc'", true),
                Arguments.of("2 in [1, 2]", true),
                Arguments.of("'k' in {'k': 1}", true),
                Arguments.of("'z' not in 'abc'", true),
                Arguments.of("'PORT' in os.environ", true),
                Arguments.of("not 0", true),
                Arguments.of("not 'x'", false),
                Arguments.of("not 1 == 2", true),
                Arguments.of("0 or 'default'", "default"),
                Arguments.of("'set' or 'default'", "set"),
                Arguments.of("'' or None", null),
                Arguments.of("1 and 2", 2L),
                Arguments.of("0 and nope", 0L),
                Arguments.of("1 or nope", 1L),
                Arguments.of("[] or {} or 0.0 or 'last'", "last"),
                Arguments.of("'yes' if 1 < 2 else 'no'", "yes"),
                Arguments.of("'yes' if [] else 'no'", "no"),
                Arguments.of("1 if False else 2 if False else 3", 3L),
                Arguments.of("os.environ['NOPE'] if 'NOPE' in os.environ else 'fallback'", "fallback"),
                // subscripts and slices
                Arguments.of("[10, 20, 30][1]", 20L),
                Arguments.of("[10, 20, 30][-1]", 30L),
                Arguments.of("(10, 20)[0]", 10L),
                Arguments.of("'hello'[1]", "e"),
                Arguments.of("'hello'[1:3]", "el"),
                Arguments.of("'hello'[:-1]", "hell"),
                Arguments.of("'hello'[3:]", "lo"),
                Arguments.of("'hello'[:]", "hello"),
                Arguments.of("'hello'[4:1]", ""),
                Arguments.of("[1, 2, 3][1:]", List.of(2L, 3L)),
                Arguments.of("[1, 2, 3][-10:10]", List.of(1L, 2L, 3L)),
                Arguments.of("{'a': {'b': 1}}['a']['b']", 1L),
                Arguments.of("os.environ['PORT']", "9000"),
                Arguments.of("'a:b:c'.split(':')[-1]", "c"),
                // %-formatting
                Arguments.of("'%s:%d' % ('0.0.0.0', 8000)", "0.0.0.0:8000"),
                Arguments.of("'%s' % 'one'", "one"),
                Arguments.of("'%s' % [1, 2]", "[1, 2]"),
                Arguments.of("'%r|%5s|%-5s|' % ('a', 'b', 'c')", "'a'|    b|c    |"),
                Arguments.of("'%05d|%+d|%x|%#o|%.2f|%5.1f|%i' % (42, 3, 255, 8, 3.14159, 2.25, 7.9)",
                        "00042|+3|ff|0o10|3.14|  2.2|7"),
                Arguments.of("'100%%' % ()", "100%"),
                Arguments.of("'%(h)s %s'", "%(h)s %s"));
    }

    @ParameterizedTest
    @MethodSource("expressions")
    void expression(String source, Object expected) throws Exception {
        assertEquals(expected, eval(source));
    }

    @Test
    void integerAndFloatResultTypes() throws Exception {
        assertInstanceOf(Long.class, eval("4 // 2"));
        assertInstanceOf(Double.class, eval("4 / 2"));
        assertInstanceOf(Double.class, eval("4.0 // 2"));
        assertInstanceOf(Long.class, eval("True * 3"));
        assertInstanceOf(Boolean.class, eval("not None"));
    }

    @Test
    void expressionErrors() {
        assertRefused("a = 1\nb = 'port ' + 8000\n", 2, "unsupported operand types for +: 'str' and 'int'", "str(x)");
        assertRefused("b = 1 - 'x'\n", 1, "unsupported operand types for -: 'int' and 'str'");
        assertRefused("b = [1] + (2,)\n", 1, "unsupported operand types for +: 'list' and 'tuple'");
        assertRefused("b = 'a' * 1.5\n", 1, "unsupported operand types for *: 'str' and 'float'");
        assertRefused("b = -'x'\n", 1, "bad operand type for unary -: 'str'");
        assertRefused("b = 1 / 0\n", 1, "division by zero");
        assertRefused("b = 1 // 0\n", 1, "division by zero");
        assertRefused("b = 1 % 0.0\n", 1, "division by zero");
        assertRefused("b = 0 ** -1\n", 1, "zero cannot be raised to a negative power");
        assertRefused("b = (-8) ** 0.5\n", 1, "negative number cannot be raised to a fractional power");
        assertRefused("b = 9223372036854775807 + 1\n", 1, "integer overflow");
        assertRefused("b = 2 ** 64\n", 1, "integer overflow");
        assertRefused("b = 3037000500 * 3037000500\n", 1, "integer overflow");
        assertRefused("b = -(-9223372036854775807 - 1)\n", 1, "integer overflow");
        assertRefused("b = 10.0 ** 400\n", 1, "float overflow");
        assertRefused("b = 1 < 'a'\n", 1, "'<' not supported between instances of 'int' and 'str'");
        assertRefused("b = 1 in 'abc'\n", 1, "requires a str as left operand, not int");
        assertRefused("b = 1 in 5\n", 1, "argument of type 'int' is not iterable");
        assertRefused("b = [1][5]\n", 1, "list index out of range");
        assertRefused("b = 'ab'[2]\n", 1, "str index out of range");
        assertRefused("b = [1]['a']\n", 1, "list indices must be integers or slices, not str");
        assertRefused("b = 5[0]\n", 1, "'int' object is not subscriptable");
        assertRefused("b = {'a': 1}\nc = b['z']\n", 2, "KeyError: 'z'");
        assertRefused("b = [1, 2][::2]\n", 1, "slice steps are not supported");
        assertRefused("b = 'ab'['a':]\n", 1, "slice indices must be integers or None");
        assertRefused("b = 1 | 2\n", 1, "operator '|' is not supported");
        assertRefused("b = 1 << 2\n", 1, "operator '<<' is not supported");
        assertRefused("b = ~1\n", 1, "operator '~' is not supported");
        assertRefused("b = (x := 1)\n", 1, "assignment expressions (:=) are not supported");
        assertRefused("b = *a\n", 1, "starred expressions (*x) are not supported");
        assertRefused("b = 1 if True\n", 1, "syntax error: expected 'else' in conditional expression");
        assertRefused("b = '%d' % 'x'\n", 1, "%d format: a real number is required, not str");
        assertRefused("b = '%s %s' % ('x',)\n", 1, "not enough arguments for format string");
        assertRefused("b = '%s' % (1, 2)\n", 1, "not all arguments converted during string formatting");
        assertRefused("b = '%(name)s' % {'name': 1}\n", 1, "'%(name)s' formatting is not supported");
        assertRefused("b = '%q' % 1\n", 1, "unsupported format character 'q'");
        assertRefused("b = '%' % 1\n", 1, "incomplete format");
    }

    @Test
    void namesMustBeBoundBeforeUse() {
        assertRefused("workers = 4\n\n\n\n\n\nthreads = cpus * 2\n", 7, "name 'cpus' is not defined");
        assertRefused("a = later\nlater = 1\n", 1, "name 'later' is not defined");
        assertRefused("x = open('f')\n", 1, "builtin 'open' is not supported");
        assertRefused("x = range(3)\n", 1, "builtin 'range' is not supported");
    }

    @Test
    void keyErrorNamesTheEnvironmentVariable() {
        assertRefused("import os\n\nworkers = int(os.environ[\"WORKERS\"])\n", 3,
                "KeyError", "environment variable 'WORKERS' is not set", "os.environ.get('WORKERS', default)");
    }

    @Test
    void errorsPointAtTheLineOfTheFailingPartOfAMultiLineStatement() {
        assertRefused("raw_env = [\n    'A=1',\n    'B=' + 2,\n]\n", 3, "unsupported operand types for +");
        assertRefused("d = {\n    'a': 1,\n    'b': nope,\n}\n", 3, "name 'nope' is not defined");
    }

    // ------------------------------------------------------------------ calls

    static Stream<Arguments> calls() {
        return Stream.of(
                Arguments.of("multiprocessing.cpu_count()", 4L),
                Arguments.of("os.cpu_count() * 2 + 1", 9L),
                Arguments.of("os.environ.get('PORT')", "9000"),
                Arguments.of("os.environ.get('NOPE')", null),
                Arguments.of("os.environ.get('NOPE', 8000)", 8000L),
                Arguments.of("os.environ.get('EMPTY', 'x')", ""),
                Arguments.of("os.environ.get('EMPTY') or 'x'", "x"),
                Arguments.of("os.getenv('TIMEOUT')", "45"),
                Arguments.of("os.getenv('NOPE', 'd')", "d"),
                Arguments.of("os.getenv('NOPE', default='kw')", "kw"),
                Arguments.of("os.getenv(key='PORT')", "9000"),
                Arguments.of("int('42')", 42L),
                Arguments.of("int(' -42 ')", -42L),
                Arguments.of("int('1_000')", 1000L),
                Arguments.of("int(3.99)", 3L),
                Arguments.of("int(-3.99)", -3L),
                Arguments.of("int(True)", 1L),
                Arguments.of("int()", 0L),
                Arguments.of("int('ff', 16)", 255L),
                Arguments.of("int('0xff', 16)", 255L),
                Arguments.of("int('0o17', 0)", 15L),
                Arguments.of("int('0b11', base=0)", 3L),
                Arguments.of("int('755', 8)", 493L),
                Arguments.of("int('z', 36)", 35L),
                Arguments.of("int(os.environ['HEX'], 16)", 255L),
                Arguments.of("float('1.5')", 1.5),
                Arguments.of("float(' 2 ')", 2.0),
                Arguments.of("float('1e3')", 1000.0),
                Arguments.of("float('-inf')", Double.NEGATIVE_INFINITY),
                Arguments.of("float(3)", 3.0),
                Arguments.of("float()", 0.0),
                Arguments.of("str(42)", "42"),
                Arguments.of("str(1.0)", "1.0"),
                Arguments.of("str(1e20)", "1e+20"),
                Arguments.of("str(0.1)", "0.1"),
                Arguments.of("str(True)", "True"),
                Arguments.of("str(None)", "None"),
                Arguments.of("str([1, 'a'])", "[1, 'a']"),
                Arguments.of("str()", ""),
                Arguments.of("repr('x')", "'x'"),
                Arguments.of("repr(\"it's\")", "\"it's\""),
                Arguments.of("bool('')", false),
                Arguments.of("bool('0')", true),
                Arguments.of("bool(0.0)", false),
                Arguments.of("bool()", false),
                Arguments.of("len('héllo')", 5L),
                Arguments.of("len([1, 2])", 2L),
                Arguments.of("len({'a': 1})", 1L),
                Arguments.of("min(3, 1, 2)", 1L),
                Arguments.of("max([3, 1, 2])", 3L),
                Arguments.of("max(2, 2.5)", 2.5),
                Arguments.of("min('b', 'a')", "a"),
                Arguments.of("max(1, cpu)", 4L),
                Arguments.of("abs(-3)", 3L),
                Arguments.of("abs(-2.5)", 2.5),
                Arguments.of("round(2.5)", 2L),
                Arguments.of("round(3.5)", 4L),
                Arguments.of("round(2.675, 2)", 2.67),
                Arguments.of("round(1234, -2)", 1200L),
                Arguments.of("round(7)", 7L),
                // str methods
                Arguments.of("'INFO'.lower()", "info"),
                Arguments.of("'info'.upper()", "INFO"),
                Arguments.of("'  x  '.strip()", "x"),
                Arguments.of("'xxaxx'.strip('x')", "a"),
                Arguments.of("'  x  '.lstrip()", "x  "),
                Arguments.of("'  x  '.rstrip()", "  x"),
                Arguments.of("'a,b,,c'.split(',')", List.of("a", "b", "", "c")),
                Arguments.of("'  a  b '.split()", List.of("a", "b")),
                Arguments.of("'a b c'.split(None, 1)", List.of("a", "b c")),
                Arguments.of("'a:b:c'.split(':', maxsplit=1)", List.of("a", "b:c")),
                Arguments.of("','.join(['a', 'b'])", "a,b"),
                Arguments.of("''.join(('x', 'y'))", "xy"),
                Arguments.of("'-'.join('abc')", "a-b-c"),
                Arguments.of("'unix:/x'.startswith('unix:')", true),
                Arguments.of("'a.sock'.endswith(('.sock', '.s'))", true),
                Arguments.of("'abc'.startswith('b')", false),
                Arguments.of("'a-b-c'.replace('-', '_')", "a_b_c"),
                Arguments.of("'123'.isdigit()", true),
                Arguments.of("''.isdigit()", false),
                Arguments.of("'{}:{}'.format('h', 80)", "h:80"),
                Arguments.of("'{1}{0}{1}'.format('a', 'b')", "bab"),
                Arguments.of("'{host}:{port:05d}'.format(host='h', port=80)", "h:00080"),
                Arguments.of("'{!r} {{}}'.format('x')", "'x' {}"),
                Arguments.of("os.getenv('NOPE', 'Debug').lower().strip()", "debug"),
                Arguments.of("int(os.environ.get('WORKERS', cpu * 2 + 1))", 9L),
                Arguments.of("f'{cpu}'.join(['a', 'b'])", "a4b"));
    }

    @ParameterizedTest
    @MethodSource("calls")
    void call(String source, Object expected) throws Exception {
        Map<String, Object> v = values("import os, multiprocessing\ncpu = multiprocessing.cpu_count()\nx = " + source + "\n");
        assertEquals(expected, v.get("x"));
    }

    @Test
    void callErrors() {
        assertRefused("import sys\n\n\nsys.exit(1)\n", 4, "cannot call sys.exit");
        assertRefused("x = 1\nprint(x)\n", 2, "print() calls are not supported");
        assertRefused("print('hello', nope)\n", 1, "print() calls are not supported");
        assertRefused("x = int('abc')\n", 1, "invalid literal for int() with base 10: 'abc'");
        assertRefused("x = int('12', 2)\n", 1, "invalid literal for int() with base 2: '12'");
        assertRefused("x = int('010', 0)\n", 1, "invalid literal for int() with base 0");
        assertRefused("x = int('99999999999999999999')\n", 1, "integer overflow");
        assertRefused("x = int(1.5, 10)\n", 1, "int() can't convert non-string with explicit base");
        assertRefused("x = int('1', 99)\n", 1, "int() base must be >= 2 and <= 36, or 0");
        assertRefused("x = int(None)\n", 1, "int() argument must be a string or a number, not 'NoneType'");
        assertRefused("x = int(float('nan'))\n", 1, "cannot convert float nan to integer");
        assertRefused("x = float('1.5x')\n", 1, "could not convert string to float: '1.5x'");
        assertRefused("x = float([])\n", 1, "float() argument must be a string or a real number");
        assertRefused("x = len(5)\n", 1, "object of type 'int' has no len()");
        assertRefused("x = min()\n", 1, "min() expected at least 1 argument, got 0");
        assertRefused("x = max([])\n", 1, "max() arg is an empty sequence");
        assertRefused("x = max(1, 2, key=abs)\n", 1, "max() keyword arguments are not supported");
        assertRefused("x = abs('a')\n", 1, "bad operand type for abs(): 'str'");
        assertRefused("x = round('a')\n", 1, "type str doesn't define __round__ method");
        assertRefused("x = len()\n", 1, "len() missing required argument 'obj'");
        assertRefused("x = len(1, 2)\n", 1, "len() takes at most 1 argument (2 given)");
        assertRefused("import os\nx = os.cpu_count(1)\n", 2, "cpu_count() takes no arguments (1 given)");
        assertRefused("import os\nx = os.getenv('A', 'b', 'c')\n", 2, "getenv() takes at most 2 arguments (3 given)");
        assertRefused("import os\nx = os.getenv(name='A')\n", 2, "getenv() got an unexpected keyword argument 'name'");
        assertRefused("import os\nx = os.getenv('A', key='A')\n", 2, "getenv() got multiple values for argument 'key'");
        assertRefused("import os\nx = os.getenv(1)\n", 2, "getenv() key must be a str, not int");
        assertRefused("x = 5\ny = x()\n", 2, "'int' object is not callable");
        assertRefused("x = 'a'.title()\n", 1, "attribute 'title' of str is not supported");
        assertRefused("x = (5).real\n", 1, "attribute 'real' of int is not supported");
        assertRefused("x = [1].append(2)\n", 1, "attribute 'append' of list is not supported");
        assertRefused("import os\nos.environ.setdefault('A', 'b')\n", 2, "os.environ.setdefault is not supported");
        assertRefused("x = ','.join([1, 2])\n", 1, "sequence item 0: expected str, int found");
        assertRefused("x = 'a'.split('')\n", 1, "empty separator");
        assertRefused("x = 'a'.startswith(1)\n", 1, "startswith() argument must be a str, not int");
        assertRefused("x = '{}{}'.format(1)\n", 1, "replacement index 1 out of range");
        assertRefused("x = '{a}'.format(b=1)\n", 1, "KeyError", "'a'");
        assertRefused("x = '{0.real}'.format(1)\n", 1, "format field {0.real} is not supported");
        assertRefused("x = int(*['1'])\n", 1, "argument unpacking (*) is not supported");
        assertRefused("x = int(x=1, x=2)\n", 1, "keyword argument repeated");
        assertRefused("x = int(base=1, '1')\n", 1, "positional argument follows keyword argument");
        assertRefused("x = max(i for i in [1])\n", 1, "generator expressions are not supported");
    }

    // ------------------------------------------------------------------ refused statements

    @Test
    void functionDefinitionsAreRefusedNamingTheFunction() {
        assertRefused("workers = 2\n\n\n\n\n\n\n\n\n\n\ndef on_starting(server):\n    pass\n", 12,
                "function definitions (def on_starting) are not supported: server hooks are Python callables and cannot run on the JVM");
        assertRefused("async def when_ready(server):\n    pass\n", 1, "function definitions (async def when_ready)");
    }

    @Test
    void decoratorsClassesAndLambdasAreRefused() {
        assertRefused("x = 1\n@hook\ndef f():\n    pass\n", 2, "decorators (@hook) are not supported");
        assertRefused("@a.b\ndef f(): pass\n", 1, "decorators (@a.b) are not supported");
        assertRefused("\nclass Settings:\n    workers = 2\n", 2, "class definitions (class Settings) are not supported");
        assertRefused("post_fork = lambda server, worker: None\n", 1, "lambda expressions are not supported");
        assertRefused("x = [lambda: 1]\n", 1, "lambda expressions are not supported");
    }

    static Stream<Arguments> compoundStatements() {
        return Stream.of(
                Arguments.of("if True:\n    workers = 2\n", "'if' statements are not supported"),
                Arguments.of("for i in [1]:\n    pass\n", "'for' statements are not supported"),
                Arguments.of("while False:\n    pass\n", "'while' statements are not supported"),
                Arguments.of("with open('x') as f:\n    pass\n", "'with' statements are not supported"),
                Arguments.of("try:\n    import x\nexcept ImportError:\n    pass\n", "'try' statements are not supported"),
                Arguments.of("global workers\n", "'global' statements are not supported"),
                Arguments.of("nonlocal workers\n", "'nonlocal' statements are not supported"),
                Arguments.of("del workers\n", "'del' statements are not supported"),
                Arguments.of("assert True\n", "'assert' statements are not supported"),
                Arguments.of("raise SystemExit\n", "'raise' statements are not supported"),
                Arguments.of("return 1\n", "'return' statements are not supported"),
                Arguments.of("else:\n    pass\n", "'else' statements are not supported"),
                Arguments.of("async with x:\n    pass\n", "'async' statements are not supported"));
    }

    @ParameterizedTest
    @MethodSource("compoundStatements")
    void compoundStatementsAreRefused(String statement, String reason) {
        assertRefused("workers = 2\n# why\n" + statement, 3, reason);
    }

    @Test
    void ifStatementSuggestsAConditionalExpression() {
        assertRefused("import os\nif os.getenv('DEBUG'):\n    loglevel = 'debug'\n", 2, "use a conditional expression (a if condition else b)");
    }

    @Test
    void comprehensionsAreRefused() {
        assertRefused("x = [i for i in [1]]\n", 1, "list comprehensions are not supported");
        assertRefused("x = {k: 1 for k in 'ab'}\n", 1, "dict comprehensions are not supported");
        assertRefused("x = {k for k in 'ab'}\n", 1, "set comprehensions are not supported");
        assertRefused("x = (i for i in [1])\n", 1, "generator expressions are not supported");
    }

    // ------------------------------------------------------------------ syntax errors

    @Test
    void syntaxErrors() {
        assertRefused("a = 1\nb = (1, 2))\n", 2, "syntax error: unexpected ')'");
        assertRefused("a = (1,\n\n     2\n", 1, "syntax error: '(' was never closed");
        assertRefused("a = [1, 2\nb = 3\n", 2, "syntax error: unexpected 'b', expected ',' or ']'");
        assertRefused("a = (1, 2]\n", 1, "syntax error: unexpected ']', expected ',' or ')'");
        assertRefused("a = 1\n    b = 2\n", 2, "syntax error: unexpected indent");
        assertRefused("a = 1 \\ 2\n", 1, "unexpected character after line continuation character");
        assertRefused("a = $x\n", 1, "syntax error: invalid character '$' (U+0024)");
        assertRefused("a = “quoted”\n", 1, "invalid character '“' (U+201C)");
        assertRefused("a = 1 ! 2\n", 1, "invalid character '!'");
        assertRefused("a = 1\n= 2\n", 2, "syntax error: unexpected '='");
        assertRefused("a == \n", 1, "syntax error: unexpected end of line");
        assertRefused("a = (\n", 1, "'(' was never closed");
        assertRefused("a = [1, (2,\n  3,\n", 1, "syntax error: '(' was never closed");
        assertRefused("a = {\n'k': [\n", 2, "syntax error: '[' was never closed");
        assertRefused("a = 1 +", 1, "unexpected end of line");
        assertRefused("a = 1;;\n", 1, "syntax error: unexpected ';'");
        assertRefused("a = if\n", 1, "syntax error: unexpected 'if'");
        assertRefused("print 'hello'\n", 1, "syntax error: unexpected string literal");
        assertRefused("a = os.\n", 1, "syntax error: expected a name, found end of line");
        assertRefused("a = yield\n", 1, "'yield' is not supported");
        assertRefused("a = ...\n", 1, "syntax error: unexpected '...'");
    }

    @Test
    void theFirstErrorInTheFileIsReported() {
        assertRefused("a = nope\nb = 'unterminated\n", 1, "name 'nope' is not defined");
        assertRefused("def f():\n  x = 'unterminated\n", 1, "def f");
    }

    @Test
    void expressionStatementsAreEvaluated() throws Exception {
        assertEquals(Map.of(), values("'docstring'\n1 + 2\nNone\n"));
        assertRefused("'docstring'\nnope\n", 2, "name 'nope' is not defined");
    }

    @Test
    void manyCasesOfWorkersFormulas() throws Exception {
        List<Long> results = new ArrayList<>();
        for (int cpus : new int[] {1, 2, 8}) {
            Map<String, Object> v = PyConfigFile.parse(
                    "import multiprocessing as mp\nworkers = min(mp.cpu_count() * 2 + 1, 12)\n", FILE, Map.of(), cpus).values();
            results.add((Long) v.get("workers"));
        }
        assertEquals(List.of(3L, 5L, 12L), results);
    }

    // ------------------------------------------------------------------ found by PyConfigFileFuzzTest

    @Test
    void deepNestingIsRefusedWithItsLine() {
        assertRefused("import os\nworkers = " + "(".repeat(5000) + "1" + ")".repeat(5000) + "\n", 2, "nested too deeply");
        assertRefused("workers = " + "-".repeat(5000) + "1\n", 1, "nested too deeply");
        assertRefused("workers = " + "2 ** ".repeat(5000) + "1\n", 1, "nested too deeply");
        assertRefused("import os\nbind = os" + ".path".repeat(5000) + "\n", 2, "nested too deeply");
    }

    @Test
    void longRunsOfOperatorsAreRead() throws Exception {
        assertEquals(20_000L, eval("1" + " + 1".repeat(19_999)));
        assertEquals(true, eval("True" + " and True".repeat(19_999)));
        assertEquals(0L, eval("0" + " or 0".repeat(19_999)));
    }

    @Test
    void longNumberLiteralsAreReadOrRefusedWithoutOverflowingTheStack() throws Exception {
        assertEquals(1L, eval("0x" + "0_".repeat(5000) + "1"));
        assertEquals(1.5, eval("float('" + "0_".repeat(5000) + "1.5')"));
        assertEquals(1L, eval("int('" + "0_".repeat(5000) + "1', 16)"));
        assertRefused("limit_request_line = " + "1".repeat(5000) + "\n", 1);
    }

    @Test
    void hugeRepetitionIsRefusedNotOverflowed() throws Exception {
        assertRefused("proc_name = 'ab' * 9223372036854775807\n", 1, "repetition result is too large");
        assertRefused("raw_env = ['A=1'] * 4611686018427387904\n", 1, "repetition result is too large");
        assertEquals("", eval("'' * 9223372036854775807"));
    }

    @Test
    void lineContinuationAtTheEndOfTheFile() {
        assertRefused("workers = 2 + \\", 1, "unexpected character after line continuation character");
    }
}
