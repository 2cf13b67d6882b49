package dev.jgunicorn.settings;

import dev.jgunicorn.settings.python.Namespace;
import dev.jgunicorn.settings.python.Parser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code gunicorn.conf.py} without a Python interpreter: the subset of Python that people write
 * in it (imports of {@code os} and {@code multiprocessing}, assignments, literals, arithmetic, conditional
 * expressions, f-strings, {@code os.environ}/{@code os.getenv}, {@code cpu_count()} and a few builtins and
 * str methods). Everything else (def, class, if, for, ...) is refused with the file, the line and the reason.
 *
 * <p>The reader lives in {@link dev.jgunicorn.settings.python}: a {@code Lexer} feeds a {@code Parser} that runs
 * each statement as soon as it has been parsed in a {@link Namespace}, so errors are reported in file order.
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
        this.referenced = referenced;
    }

    /**
     * Reads the file; env is the environment used for os.environ / os.getenv; cpuCount for multiprocessing.cpu_count().
     * A file that cannot be read or is not UTF-8 text (Python's default source encoding) is a ConfigFileException
     * that says which and where, not the bare path or "Input length = 1" of the JDK's exceptions.
     */
    public static PyConfigFile read(Path file, Map<String, String> env, int cpuCount) throws ConfigFileException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw new ConfigFileException(file.toString(), "cannot be read: permission denied");
        } catch (IOException e) {
            throw new ConfigFileException(file.toString(), "cannot be read: " + e);
        }
        return parse(utf8(bytes, file.toString()), file.toString(), env, cpuCount);
    }

    private static String utf8(byte[] bytes, String fileName) throws ConfigFileException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            int at = in.position(); // the decoder stops at the first byte of the bad sequence
            int line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == '\n') line++;
            throw new ConfigFileException(fileName, line,
                    String.format("not UTF-8 text (byte 0x%02x at offset %d)", bytes[at] & 0xff, at));
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** Reads source as if it were the file fileName (which is only used in messages). */
    public static PyConfigFile parse(String source, String fileName, Map<String, String> env, int cpuCount)
            throws ConfigFileException {
        Namespace globals = new Namespace(fileName, env, cpuCount);
        Parser.run(source, globals);
        return new PyConfigFile(globals.values(), globals.lines(), globals.referencedNames());
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
}
