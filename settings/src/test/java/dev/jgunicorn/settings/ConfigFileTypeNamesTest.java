package dev.jgunicorn.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A config-file value of the wrong type is refused with the value as Python writes it and its type as Python
 * names it: {@code type(None).__name__} is 'NoneType', the word of Python's own messages
 * ("int() argument must be a string, a bytes-like object or a real number, not 'NoneType'").
 */
class ConfigFileTypeNamesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            timeout = None       | Invalid value for timeout: None: expected an integer, got NoneType
            timeout = [30]       | Invalid value for timeout: [30]: expected an integer, got list
            proc_name = 1.5      | Invalid value for proc_name: 1.5: expected a string, got float
            proc_name = ('a',)   | Invalid value for proc_name: ('a',): expected a string, got tuple
            reload = None        | Invalid value for reload: None: expected True or False, got NoneType
            """)
    void wrongTypesAreNamedAsPythonNamesThem(String line, String message) throws Exception {
        Files.writeString(dir.resolve("gunicorn.conf.py"), line + "\n");
        SettingException e = assertThrows(SettingException.class,
                () -> new ConfigLoader(Map.of(), dir, 2).load(List.of("app.App")));
        assertEquals(message, e.getMessage().substring(e.getMessage().indexOf("Invalid"), e.getMessage().indexOf(" (allowed")));
    }
}
