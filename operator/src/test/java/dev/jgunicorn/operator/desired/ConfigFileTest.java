package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.Servers;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.ConfigLoader;
import dev.jgunicorn.settings.PyConfigFile;
import dev.jgunicorn.settings.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rendered gunicorn.conf.py is read by the runtime's own reader and loader with the spec's values. */
class ConfigFileTest {

    private static GunicornServer shop() {
        GunicornServer s = Servers.demo("shop");
        s.getSpec().setWorkers(3);
        s.getSpec().setThreads(4);
        s.getSpec().setWorkerClass("gthread");
        s.getSpec().setTimeout(45);
        s.getSpec().setGracefulTimeout(25);
        s.getSpec().setAccessLogFormat("%(h)s \"%(r)s\" 'quoted' \\ back");
        s.getSpec().setSettings(Servers.settings(
                "header_timeout", 5,
                "forwarded_allow_ips", List.of("10.0.0.0/8", "127.0.0.1"),
                "secure_scheme_headers", Map.of("X-FORWARDED-PROTO", "https"),
                "require_host", true));
        return s;
    }

    @Test
    void theRenderedFileReadsBackWithTheSpecsValues() throws Exception {
        ConfigFile file = ConfigFile.render(shop().getSpec());
        Map<String, Object> read = PyConfigFile.parse(file.text(), "gunicorn.conf.py", Map.of(), 1).values();
        assertEquals(List.of("0.0.0.0:8000"), read.get("bind"));
        assertEquals("0.0.0.0:9000", read.get("admin_bind"));
        assertEquals(4L, read.get("threads"));
        assertEquals("gthread", read.get("worker_class"));
        assertEquals(45L, read.get("timeout"));
        assertEquals(25L, read.get("graceful_timeout"));
        assertEquals("%(h)s \"%(r)s\" 'quoted' \\ back", read.get("access_log_format"));
        assertEquals(5L, read.get("header_timeout"));
        assertEquals(List.of("10.0.0.0/8", "127.0.0.1"), read.get("forwarded_allow_ips"));
        assertEquals(Map.of("X-FORWARDED-PROTO", "https"), read.get("secure_scheme_headers"));
        assertEquals(true, read.get("require_host"));
        assertEquals("-", read.get("accesslog"));
        assertFalse(read.containsKey("workers"), "workers are the Deployment's replicas, not a setting in the pod");
        assertTrue(file.text().startsWith("# Rendered by the jgunicorn operator"));
    }

    @Test
    void theRuntimesLoaderAcceptsTheFileAsThePodRunsIt(@TempDir Path dir) throws Exception {
        ConfigFile file = ConfigFile.render(shop().getSpec());
        Path conf = dir.resolve("gunicorn.conf.py");
        Files.writeString(conf, file.text());
        ConfigLoader loader = new ConfigLoader(Map.of(), dir, 2);
        Config config = loader.load(List.of("--no-master", "-c", conf.toString(), "dev.jgunicorn.demo.Hello")).config();
        assertTrue(config.get(Settings.NO_MASTER));
        assertEquals("dev.jgunicorn.demo.Hello", config.app());
        assertEquals(List.of("0.0.0.0:8000"), config.get(Settings.BIND));
        assertEquals(4, config.get(Settings.THREADS));
        assertEquals("gthread", config.get(Settings.WORKER_CLASS));
        assertEquals(25, config.get(Settings.GRACEFUL_TIMEOUT));
        assertEquals(5, config.get(Settings.HEADER_TIMEOUT));
        assertTrue(config.get(Settings.REQUIRE_HOST));
        assertEquals(List.of(), config.warnings());
        assertEquals("0.0.0.0:9000", config.get(Settings.ADMIN_BIND));
    }

    @Test
    void theSameSpecAlwaysRendersTheSameText() throws Exception {
        assertEquals(ConfigFile.render(shop().getSpec()).text(), ConfigFile.render(shop().getSpec()).text());
    }
}
