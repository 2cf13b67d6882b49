package dev.jgunicorn.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.constraints.Size;

/**
 * The gunicorn.conf.py reader under generated input (docs/fuzzing.md): arbitrary text, Python-ish text, the config
 * files in fuzz/corpus/gunicorn.conf.py mutated with Python fragments, and deep nesting. Each input either loads or
 * is refused with the ConfigFileException the command line prints (this file's name, a line within the file, a
 * reason); no other exception or error gets out, and no input runs longer than a generous hang bound.
 */
class PyConfigFileFuzzTest {
    private static final String FILE = "gunicorn.conf.py";
    private static final Map<String, String> ENV = Map.of("PORT", "9000", "WEB_CONCURRENCY", "3", "DEBUG", "1");
    private static final Path CORPUS = Path.of(System.getProperty("jgunicorn.repo", ".."), "fuzz/corpus/gunicorn.conf.py");
    /** Not a timing assertion: a bound far above any real parse, so that a hang fails instead of stalling the build. */
    private static final long HANG_SECONDS = 20;
    private static final ExecutorService READER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "config-reader");
        t.setDaemon(true);
        return t;
    });

    @AfterContainer
    static void stopReader() {
        READER.shutdownNow();
    }

    @Property
    void arbitraryText(@ForAll @Size(max = 400) String source) {
        check(source);
    }

    @Property
    void pythonishText(@ForAll("pythonish") String source) {
        check(source);
    }

    @Property
    void mutatedConfigFiles(@ForAll("mutated") String source) {
        check(source);
    }

    @Property
    void deepNesting(@ForAll("nested") String source) {
        check(source);
    }

    @Property
    void longLiterals(@ForAll("longLiterals") String source) {
        check(source);
    }

    /** Every seed and regression case as it is. */
    @Example
    void corpus() {
        List<String> files = corpus_();
        assertFalse(files.isEmpty(), "no corpus in " + CORPUS);
        files.forEach(PyConfigFileFuzzTest::check);
    }

    // ---- the check ---------------------------------------------------------------------------------------------

    static void check(String source) {
        Future<?> run = READER.submit(() -> {
            try {
                PyConfigFile.parse(source, FILE, ENV, 4);
            } catch (ConfigFileException e) {
                assertEquals(FILE, e.file(), e.getMessage());
                long lines = source.chars().filter(c -> c == '\n' || c == '\r').count() + 1;
                assertTrue(e.line() >= 1 && e.line() <= lines, () -> "line " + e.line() + " of " + lines + ": " + e.getMessage());
                assertFalse(e.reason().isBlank(), e.getMessage());
                assertEquals(FILE + ":" + e.line() + ": " + e.reason(), e.getMessage());
            }
            return null;
        });
        try {
            run.get(HANG_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("not a ConfigFileException: " + e.getCause() + "\n--- input ---\n" + source, e.getCause());
        } catch (TimeoutException e) {
            run.cancel(true);
            throw new AssertionError("no answer in " + HANG_SECONDS + " s\n--- input ---\n" + source);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<String> corpus_() {
        try (Stream<Path> s = Files.list(CORPUS)) {
            return s.filter(Files::isRegularFile).sorted().map(p -> {
                try {
                    return Files.readString(p, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- generators ----------------------------------------------------------------------------------------------

    /** Python fragments: brackets, quotes and prefixes, numbers in every base, operators, names the reader knows. */
    private static final List<String> FRAGMENTS = List.of("(", ")", "[", "]", "{", "}", "'", "\"", "'''", "\"\"\"",
            "f'", "rb'", "fr\"", "{x}", "{x!r:>{w}}", "{{", "}}", "\\", "\\n", "\\x4", "\\N{DASH}", "\\u12", "#", "\n",
            "\n    ", "\t", "\r", ";", ":", ",", ".", "=", "==", ":=", "+=", "**", "//", "%", "%(a)s", "%-08.3f", "*",
            "-", "~", "not ", " and ", " or ", " if ", " else ", " in ", " is ", "lambda", "def ", "import ",
            "from os import ", "os.environ[", "os.getenv(", "multiprocessing.cpu_count()", "int(", "str(", "len(",
            ".format(", ".split(", ".join(", "0", "1", "0x", "0o7", "0b2", "1_000", "1__0", "1e309", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "1.5", ".5", "5.", "True", "None", "x", "_", "é", "\uD83D\uDE00",
            " * 10**18", " * -1", "[1] * 9223372036854775807", "'ab' * 9223372036854775807", "2 ** 63", "2 ** -1",
            "{**", "*[", "x[1:]", "x[::-1]", "x[0]", "{}", "()", "[]");

    @Provide
    Arbitrary<String> pythonish() {
        return Arbitraries.of(FRAGMENTS).list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<String> seed = Arbitraries.of(corpus_());
        Arbitrary<List<Integer>> ops = Arbitraries.integers().between(0, 2).list().ofMinSize(1).ofMaxSize(5);
        return Combinators.combine(seed, ops, Arbitraries.integers().between(0, 100_000).list().ofSize(5),
                Arbitraries.of(FRAGMENTS).list().ofSize(5)).as((s, o, at, frag) -> {
                    String t = s;
                    for (int i = 0; i < o.size(); i++) {
                        int p = at.get(i) % (t.length() + 1);
                        t = switch (o.get(i)) {
                            case 0 -> t.substring(0, p) + frag.get(i) + t.substring(p);      // insert a fragment
                            case 1 -> t.substring(0, p) + t.substring(Math.min(t.length(), p + 1 + at.get(i) % 7));
                            default -> { // a fragment at the start of the next line
                                int nl = t.indexOf('\n', p);
                                yield nl < 0 ? t + frag.get(i) : t.substring(0, nl + 1) + frag.get(i) + t.substring(nl + 1);
                            }
                        };
                    }
                    return t;
                });
    }

    /** Deep nesting and long runs: what recursion or a backtracking regex would choke on. */
    @Provide
    Arbitrary<String> nested() {
        Arbitrary<Integer> depth = Arbitraries.integers().between(1, 50_000);
        Arbitrary<String> shape = Arbitraries.of("(", "[", "{'a': ", "-", "not ", "f'{", "x if x else ", "1 + ",
                "2 ** ", "[1, ", "a.", "os.getenv(");
        return Combinators.combine(shape, depth, Arbitraries.of("", ")", "]", "}", "'")).as((s, n, close) ->
                "x = " + s.repeat(n) + "1" + close.repeat(n) + "\n");
    }

    @Provide
    Arbitrary<String> longLiterals() {
        Arbitrary<String> unit = Arbitraries.of("1", "1_", "0", "f", "a", "\\n", "{x}", "%s", " ");
        Arbitrary<String> literal = Arbitraries.of("x = %s1\n", "x = 0x%s1\n", "x = 1.%s1e1\n", "x = '%s'\n",
                "x = f'%s'\n", "x = int('%s1')\n", "x = float('%s1')\n", "x = '%s' %% ()\n", "x = '{:%s}'.format(1)\n");
        return Combinators.combine(literal, unit, Arbitraries.integers().between(1, 20_000))
                .as((l, u, n) -> l.formatted(u.repeat(n)));
    }
}
