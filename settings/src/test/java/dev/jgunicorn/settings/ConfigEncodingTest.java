package dev.jgunicorn.settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A master hands its resolved settings to its workers as Config.encode's text: they arrive whole. */
class ConfigEncodingTest {
    @Test
    void everyValueTypeAndSourceSurvives(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("gunicorn.conf.py"), """
                workers = 3
                raw_env = ["A=1", "LONG=%s"]
                secure_scheme_headers = {"X-Proto": "https"}
                proxy_allow_ips = "10.0.0.1,10.0.0.2"
                bogus = 1
                """.formatted("é".repeat(40_000)));
        Config c = new ConfigLoader(Map.of(), dir, 2).load(List.of("-b", "127.0.0.1:9000", "--reload", "--keyfile", "k.pem",
                "--certfile", "c.pem", "app.App")).config();
        Config back = Config.decode(c.encode());
        assertEquals(c.describe(), back.describe());
        for (Setting<?> s : Settings.ALL) {
            assertEquals(c.get(s), back.get(s), s.name());
            assertEquals(c.sourceOf(s), back.sourceOf(s), s.name());
        }
        assertEquals("app.App", back.app());
        assertEquals(c.baseDir(), back.baseDir());
        assertEquals(c.warnings(), back.warnings());
        assertTrue(back.warnings().getFirst().contains("'bogus' is not a setting"), back.warnings().toString());
    }

    @Test
    void textThatIsNotAConfigurationIsRefused() {
        String encoded = Config.defaults().encode();
        assertThrows(IllegalArgumentException.class, () -> Config.decode(encoded.substring(0, encoded.length() / 2)));
        assertThrows(IllegalArgumentException.class, () -> Config.decode("not base64!"));
    }
}
