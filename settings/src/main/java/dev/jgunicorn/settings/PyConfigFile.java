package dev.jgunicorn.settings;

import dev.jgunicorn.settings.python.Namespace;
import dev.jgunicorn.settings.python.Parser;
import java.io.IOException;
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

    /** Reads the file; env is the environment used for os.environ / os.getenv; cpuCount for multiprocessing.cpu_count(). */
    public static PyConfigFile read(Path file, Map<String, String> env, int cpuCount) throws ConfigFileException, IOException {
        return parse(Files.readString(file), file.toString(), env, cpuCount);
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
