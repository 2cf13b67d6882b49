package dev.jgunicorn.settings.python;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The value helpers against CPython 3.11: every expected string was printed by python3 (repr, type().__name__). */
class PyTest {
    static Stream<Arguments> strings() {
        return Stream.of(
                Arguments.of("plain", "'plain'"),
                Arguments.of("it's", "\"it's\""),
                Arguments.of("say \"hi\"", "'say \"hi\"'"),
                Arguments.of("both ' and \"", "'both \\' and \"'"),
                Arguments.of("back\\slash", "'back\\\\slash'"),
                Arguments.of("tab\tnew\nline\rcr", "'tab\\tnew\\nline\\rcr'"),
                Arguments.of("nul\u0000bell\u0007esc\u001bdel\u007f", "'nul\\x00bell\\x07esc\\x1bdel\\x7f'"),
                Arguments.of("caf\u00e9", "'caf\u00e9'"),
                Arguments.of("nbsp\u00a0c1\u0085", "'nbsp\\xa0c1\\x85'"),
                Arguments.of("zw\u200bjoiner\u200d", "'zw\\u200bjoiner\\u200d'"),
                Arguments.of("line\u2028sep", "'line\\u2028sep'"),
                Arguments.of("emoji \ud83d\ude00", "'emoji \ud83d\ude00'"),
                Arguments.of("private\ue000", "'private\\ue000'"),
                Arguments.of("lone\ud800x", "'lone\\ud800x'"),
                Arguments.of("\udb40\udc01tag", "'\\U000e0001tag'"),
                Arguments.of("ideographic\u3000space", "'ideographic\\u3000space'"),
                Arguments.of("", "''"));
    }

    @ParameterizedTest
    @MethodSource("strings")
    void quoteIsPythonsRepr(String s, String python) {
        assertEquals(python, Py.quote(s));
        assertEquals(python, Py.literal(s));
    }

    static Stream<Arguments> floats() {
        return Stream.of(
                Arguments.of(1e16, "1e+16"),
                Arguments.of(1e15, "1000000000000000.0"),
                Arguments.of(0.1, "0.1"),
                Arguments.of(-0.0, "-0.0"),
                Arguments.of(0.0, "0.0"),
                Arguments.of(Double.POSITIVE_INFINITY, "inf"),
                Arguments.of(Double.NEGATIVE_INFINITY, "-inf"),
                Arguments.of(Double.NaN, "nan"),
                Arguments.of(1e-5, "1e-05"),
                Arguments.of(0.0001, "0.0001"),
                Arguments.of(1.5e300, "1.5e+300"),
                Arguments.of(5e-324, "5e-324"),
                Arguments.of(1.5e-323, "1.5e-323"),
                Arguments.of(4.4e-323, "4.4e-323"),
                Arguments.of(1e-310, "1e-310"),
                Arguments.of(2.2250738585072014e-308, "2.2250738585072014e-308"),
                Arguments.of(1.7976931348623157e308, "1.7976931348623157e+308"),
                Arguments.of(9e15, "9000000000000000.0"),
                Arguments.of(8e-5, "8e-05"),
                Arguments.of(1.0 / 3, "0.3333333333333333"),
                Arguments.of(100.0, "100.0"),
                Arguments.of(-1e22, "-1e+22"),
                Arguments.of(1234567890123456.7, "1234567890123456.8"),
                Arguments.of(123456789.123, "123456789.123"));
    }

    @ParameterizedTest
    @MethodSource("floats")
    void floatsAreWrittenAsPythonWritesThem(double d, String python) {
        assertEquals(python, Py.floatRepr(d));
        assertEquals(python, Py.literal(d));
        assertEquals(python, Py.str(d));
    }

    @Test
    void typeNamesAreTypeDunderName() {
        assertEquals("NoneType", Py.typeName(null));
        assertEquals("bool", Py.typeName(true));
        assertEquals("int", Py.typeName(1L));
        assertEquals("int", Py.typeName(1), "a setting's Integer is an int");
        assertEquals("float", Py.typeName(1.0));
        assertEquals("str", Py.typeName("x"));
        assertEquals("list", Py.typeName(List.of()));
        assertEquals("tuple", Py.typeName(new Tuple(List.of())));
        assertEquals("dict", Py.typeName(Map.of()));
        assertEquals("module", Py.typeName(new Namespace.Module("os")));
        assertEquals("builtin_function_or_method", Py.typeName(new Namespace.Func("len")));
        assertEquals("builtin_function_or_method", Py.typeName(new Namespace.Method("x", "lower")));
    }

    @Test
    void literalsReadBackInPython() {
        Map<Object, Object> dict = new LinkedHashMap<>();
        dict.put("a", null);
        dict.put(2L, false);
        assertEquals("None", Py.literal(null));
        assertEquals("True", Py.literal(true));
        assertEquals("1", Py.literal(1L));
        assertEquals("8000", Py.literal(8000));
        assertEquals("[1, (2,), {'a': None, 2: False}]", Py.literal(List.of(1L, new Tuple(List.of(2L)), dict)));
        assertEquals("()", Py.literal(new Tuple(List.of())));
        assertEquals("(1, 'x')", Py.literal(new Tuple(List.of(1L, "x"))));
        assertEquals("<module 'os'>", Py.literal(new Namespace.Module("os")));
        assertEquals("<built-in function len>", Py.literal(new Namespace.Func("len")));
    }

    @Test
    void strIsTheTextItselfAndReprForTheRest() {
        assertEquals("it's", Py.str("it's"));
        assertEquals("None", Py.str(null));
        assertEquals("[\"it's\", 'a']", Py.str(List.of("it's", "a")));
    }
}
