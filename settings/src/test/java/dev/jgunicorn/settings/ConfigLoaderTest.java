package dev.jgunicorn.settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gunicorn's sources and precedence, validation messages, and the faces derived from the settings table. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Config load(Map<String, String> env, String... args) throws Exception {
        return new ConfigLoader(env, dir, 2).load(List.of(args)).config();
    }

    @Test
    void defaultsAreGunicorns() throws Exception {
        Config c = load(Map.of(), "app.App");
        assertEquals(List.of("127.0.0.1:8000"), c.get(Settings.BIND));
        assertEquals(1, c.get(Settings.WORKERS));
        assertEquals("sync", c.get(Settings.WORKER_CLASS));
        assertEquals(30, c.get(Settings.TIMEOUT));
        assertEquals(2, c.get(Settings.KEEPALIVE));
        assertEquals("app.App", c.app());
        assertNull(c.get(Settings.ACCESSLOG));
    }

    @Test
    void aProgramsOwnChoiceIsCheckedLikeAConfigFileValueAndNamedAsItsSource() {
        Config c = Config.defaults().with(Settings.THREADS, 4).with(Settings.PROXY_PROTOCOL, true);
        assertEquals(4, c.get(Settings.THREADS));
        assertEquals("auto", c.get(Settings.PROXY_PROTOCOL), "stored as Gunicorn stores True");
        assertEquals("program", c.sourceOf(Settings.THREADS));
        assertEquals("default", c.sourceOf(Settings.WORKERS));
        assertEquals(1, Config.defaults().get(Settings.THREADS), "with() leaves the original alone");
        SettingException e = assertThrows(SettingException.class, () -> Config.defaults().with(Settings.THREADS, -1));
        assertTrue(e.getMessage().contains("threads"), e.getMessage());
    }

    @Test
    void jvmArgsMayLookLikeOurOwnFlags() throws Exception {
        // -D is Gunicorn's --daemon; after --jvm-arg it is a system property for the worker JVMs.
        Config c = load(Map.of("GUNICORN_CMD_ARGS", "--jvm-arg -Xss1m"), "--jvm-arg", "-Dapp.mode=fast",
                "--jvm-arg=-Djdk.virtualThreadScheduler.parallelism=1", "app.App");
        assertEquals(List.of("-Dapp.mode=fast", "-Djdk.virtualThreadScheduler.parallelism=1"), c.get(Settings.JVM_ARGS));
        assertFalse(c.get(Settings.DAEMON));
        assertEquals("app.App", c.app());
        assertEquals(List.of("-Xss1m"), load(Map.of("GUNICORN_CMD_ARGS", "--jvm-arg -Xss1m"), "app.App").get(Settings.JVM_ARGS));
        assertTrue(load(Map.of(), "-D", "app.App").get(Settings.DAEMON));
    }

    @Test
    void portAndWebConcurrencyFromTheEnvironment() throws Exception {
        Config c = load(Map.of("PORT", "5000", "WEB_CONCURRENCY", "3"), "app.App");
        assertEquals(List.of("0.0.0.0:5000"), c.get(Settings.BIND));
        assertEquals(3, c.get(Settings.WORKERS));
    }

    @Test
    void precedenceIsDefaultsThenFileThenEnvArgsThenCommandLine() throws Exception {
        Files.writeString(dir.resolve("gunicorn.conf.py"), "workers = 3\nthreads = 2\nbind = ['127.0.0.1:7000']\n");
        Map<String, String> env = Map.of("GUNICORN_CMD_ARGS", "-w 4 --threads 5 ignored.Positional");
        Config c = load(env, "-w", "5", "app.App");
        assertEquals(5, c.get(Settings.WORKERS));
        assertEquals(5, c.get(Settings.THREADS));
        assertEquals(List.of("127.0.0.1:7000"), c.get(Settings.BIND));
        assertEquals("command line", c.sourceOf(Settings.WORKERS));
        assertEquals("GUNICORN_CMD_ARGS", c.sourceOf(Settings.THREADS));
        assertTrue(c.sourceOf(Settings.BIND).startsWith("config file gunicorn.conf.py:3"), c.sourceOf(Settings.BIND));
        assertEquals("app.App", c.app(), "positional words in GUNICORN_CMD_ARGS are ignored");
        assertEquals(4, load(env, "app.App").get(Settings.WORKERS));
        assertEquals(3, load(Map.of(), "app.App").get(Settings.WORKERS));
    }

    @Test
    void repeatedBindReplacesTheFilesList() throws Exception {
        Files.writeString(dir.resolve("gunicorn.conf.py"), "bind = ['127.0.0.1:7000', '127.0.0.1:7001']\n");
        Config c = load(Map.of(), "-b", "127.0.0.1:1", "--bind", "unix:/tmp/x.sock", "app.App");
        assertEquals(List.of("127.0.0.1:1", "unix:/tmp/x.sock"), c.get(Settings.BIND));
    }

    @Test
    void realisticFlaskConfigLoadsUnchanged() throws Exception {
        Files.writeString(dir.resolve("gunicorn.conf.py"), """
                # Gunicorn configuration for the Flask app
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
                raw_env = ["APP_ENV=production"]
                wsgi_app = "dev.jgunicorn.demo.Hello"
                """);
        Config c = load(Map.of("TIMEOUT", "45"));
        assertEquals(List.of("0.0.0.0:8000"), c.get(Settings.BIND));
        assertEquals(5, c.get(Settings.WORKERS));
        assertEquals("gthread", c.get(Settings.WORKER_CLASS));
        assertEquals(45, c.get(Settings.TIMEOUT));
        assertEquals("-", c.get(Settings.ACCESSLOG));
        assertEquals("dev.jgunicorn.demo.Hello", c.app());
    }

    @Test
    void binaryConfigFileIsNamedWithTheBadByteAndItsLine() throws Exception {
        Files.write(dir.resolve("bin.py"), new byte[] {'w', 'o', 'r', 'k', 'e', 'r', 's', ' ', '=', ' ', '2', '\n',
                'x', ' ', '=', ' ', (byte) 0x89, 'P', 'N', 'G'});
        SettingException e = assertThrows(SettingException.class, () -> load(Map.of(), "-c", "bin.py", "app.App"));
        assertEquals("config", e.setting());
        assertTrue(e.getMessage().contains("bin.py:2: not UTF-8 text (byte 0x89 at offset 16)"), e.getMessage());
    }

    @Test
    void unreadableConfigFileSaysPermissionDenied() throws Exception {
        Path f = Files.writeString(dir.resolve("secret.py"), "workers = 2\n");
        Files.setPosixFilePermissions(f, Set.of());
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(f), "root reads files without read permission");
        SettingException e = assertThrows(SettingException.class, () -> load(Map.of(), "-c", "secret.py", "app.App"));
        assertTrue(e.getMessage().contains("secret.py: cannot be read: permission denied"), e.getMessage());
    }

    @Test
    void directoryAsConfigFileIsNamedAsSuch() throws Exception {
        Files.createDirectory(dir.resolve("conf.d"));
        SettingException e = assertThrows(SettingException.class, () -> load(Map.of(), "-c", "conf.d", "app.App"));
        assertTrue(e.getMessage().contains("conf.d is a directory"), e.getMessage());
    }

    @Test
    void explicitConfigFileMustExist() {
        SettingException e = assertThrows(SettingException.class, () -> load(Map.of(), "-c", "missing.py", "app.App"));
        assertTrue(e.getMessage().contains("missing.py"), e.getMessage());
    }

    @Test
    void badValuesNameTheSettingAndTheAllowedRange() {
        SettingException w = assertThrows(SettingException.class, () -> load(Map.of(), "-w", "-1", "app.App"));
        assertTrue(w.getMessage().contains("Invalid value for workers") && w.getMessage().contains(">= 0"), w.getMessage());
        SettingException k = assertThrows(SettingException.class, () -> load(Map.of(), "-k", "tornado", "app.App"));
        assertTrue(k.getMessage().contains("worker_class") && k.getMessage().contains("gthread"), k.getMessage());
        SettingException t = assertThrows(SettingException.class, () -> load(Map.of(), "--timeout", "soon", "app.App"));
        assertTrue(t.getMessage().contains("timeout") && t.getMessage().contains("integer"), t.getMessage());
    }

    @Test
    void eventloopBodyLimitsTakeMibOrAutoAndRefuseTheRestWithTheirRange() throws Exception {
        assertEquals(ValueType.IntOrAuto.AUTO, load(Map.of(), "app.App").get(Settings.EVENTLOOP_BODY_BUFFER));
        assertEquals(8, load(Map.of(), "--eventloop-body-buffer", "8", "app.App").get(Settings.EVENTLOOP_BODY_BUFFER));
        assertEquals(16, load(Map.of(), "app.App").get(Settings.EVENTLOOP_MAX_BODY));
        SettingException zero = assertThrows(SettingException.class, () -> load(Map.of(), "--eventloop-body-buffer", "0", "app.App"));
        assertTrue(zero.getMessage().contains("eventloop_body_buffer") && zero.getMessage().contains("from 1 to 1048576, or auto"),
                zero.getMessage());
        SettingException words = assertThrows(SettingException.class, () -> load(Map.of(), "--eventloop-body-buffer", "lots", "app.App"));
        assertTrue(words.getMessage().contains("eventloop_body_buffer") && words.getMessage().contains("or auto"), words.getMessage());
        SettingException max = assertThrows(SettingException.class, () -> load(Map.of(), "--eventloop-max-body", "0", "app.App"));
        assertTrue(max.getMessage().contains("eventloop_max_body") && max.getMessage().contains("from 1 to 65536"), max.getMessage());
    }

    @Test
    void badValueInTheConfigFileNamesFileAndLine() throws Exception {
        Files.writeString(dir.resolve("gunicorn.conf.py"), "workers = 2\nkeepalive = 'long'\n");
        SettingException e = assertThrows(SettingException.class, () -> load(Map.of(), "app.App"));
        assertTrue(e.getMessage().contains("gunicorn.conf.py:2") && e.getMessage().contains("keepalive"), e.getMessage());
    }

    @Test
    void workersTakeAutoAndSayItWhenRefused() throws Exception {
        assertEquals(ValueType.IntOrAuto.AUTO, load(Map.of(), "-w", "auto", "app.App").get(Settings.WORKERS));
        assertEquals(ValueType.IntOrAuto.AUTO, load(Map.of("WEB_CONCURRENCY", "auto"), "app.App").get(Settings.WORKERS));
        assertTrue(load(Map.of(), "-w", "auto", "app.App").describe().matches("(?s).*\\nworkers\\s+= 'auto'\\n.*"));
        SettingException e = assertThrows(SettingException.class, () -> load(Map.of(), "-w", "lots", "app.App"));
        assertTrue(e.getMessage().contains("workers") && e.getMessage().contains("or auto"), e.getMessage());
    }

    @Test
    void unknownFlagIsAUsageError() {
        ConfigLoader.UsageException e = assertThrows(ConfigLoader.UsageException.class, () -> load(Map.of(), "--wrokers", "2", "app.App"));
        assertTrue(e.getMessage().contains("--wrokers"), e.getMessage());
    }

    @Test
    void refusedSettingsStopWithTheirReasonUnlessAtTheDefault() throws Exception {
        SettingException spew = assertThrows(SettingException.class, () -> load(Map.of(), "--spew", "app.App"));
        assertTrue(spew.getMessage().contains("spew") && spew.getMessage().contains("cannot be used"), spew.getMessage());
        SettingException py = assertThrows(SettingException.class, () -> load(Map.of(), "--pythonpath", "/x", "app.App"));
        assertTrue(py.getMessage().contains("--classpath"), py.getMessage());
        Files.writeString(dir.resolve("gunicorn.conf.py"), "spew = False\n");
        assertEquals(false, load(Map.of(), "app.App").get(Settings.SPEW), "a refused setting at its default is fine");
        Files.writeString(dir.resolve("gunicorn.conf.py"), "spew = True\n");
        SettingException d = assertThrows(SettingException.class, () -> load(Map.of(), "app.App"));
        assertTrue(d.getMessage().contains("spew") && d.getMessage().contains("gunicorn.conf.py:1"), d.getMessage());
    }

    @Test
    void unknownNamesInTheConfigFileAreWarnedAbout() throws Exception {
        Files.writeString(dir.resolve("gunicorn.conf.py"), "cores = 2\nworkers = cores * 2\nworker = 3\n");
        Config c = load(Map.of(), "app.App");
        assertEquals(4, c.get(Settings.WORKERS));
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).contains("'worker'") && c.warnings().get(0).contains("did you mean 'workers'"), c.warnings().toString());
    }

    @Test
    void printConfigShowsResolvedValues() throws Exception {
        String d = load(Map.of(), "-w", "7", "app.App").describe();
        assertTrue(d.matches("(?s).*\\nworkers\\s+= 7\\n.*"), d);
        assertTrue(d.contains("= ['127.0.0.1:8000']"), d);
    }

    @Test
    void clusteredShortFlagsAndEqualsForms() throws Exception {
        Config c = load(Map.of(), "-w3", "--threads=4", "-b=127.0.0.1:1", "app.App");
        assertEquals(3, c.get(Settings.WORKERS));
        assertEquals(4, c.get(Settings.THREADS));
        assertEquals(List.of("127.0.0.1:1"), c.get(Settings.BIND));
    }

    /** docs/settings.md is generated from the table; regenerate with bin/settings-doc when this fails. */
    @Test
    void settingsDocMatchesTheTable() throws Exception {
        Path doc = Path.of(System.getProperty("jgunicorn.repo", ".")).resolve("docs/settings.md");
        assertEquals(SettingsDoc.render(), Files.readString(doc), "docs/settings.md is stale: run bin/settings-doc");
    }

    @Test
    void helpListsExactlyTheFlagsOfTheTable() {
        String help = ConfigLoader.usage();
        Set<String> inHelp = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^\\s+((?:-[-\\w]+(?:, )?)+)").matcher(help);
        while (m.find()) {
            for (String f : m.group(1).split(", ")) inHelp.add(f.strip());
        }
        Set<String> inTable = new HashSet<>(List.of("-h", "--help", "-v", "--version"));
        for (Setting<?> s : Settings.ALL) inTable.addAll(s.flags());
        assertEquals(inTable, inHelp);
        String doc = SettingsDoc.render();
        for (Setting<?> s : Settings.ALL) {
            for (String f : s.flags()) assertTrue(doc.contains("`" + f + "`"), f);
        }
    }

    @Test
    void shellWordsFollowPosixQuoting() {
        assertEquals(List.of("-w", "2", "--access-logformat", "%(h)s \"%(r)s\"", "a b"),
                ShellWords.split("-w 2 --access-logformat '%(h)s \"%(r)s\"' a\\ b"));
    }
}
