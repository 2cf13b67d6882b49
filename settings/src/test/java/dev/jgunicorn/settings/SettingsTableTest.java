package dev.jgunicorn.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingsTableTest {

    /** Gunicorn 27.0.1's 120 settings by section, in the order of the reference's tables (its config.py). */
    private static final Map<Section, List<String>> GUNICORN = new LinkedHashMap<>();

    static {
        GUNICORN.put(Section.CONFIG_FILE, List.of("config", "wsgi_app"));
        GUNICORN.put(Section.SERVER_SOCKET, List.of("bind", "backlog"));
        GUNICORN.put(Section.WORKER_PROCESSES, List.of("workers", "worker_class", "threads", "worker_connections",
                "max_requests", "max_requests_jitter", "timeout", "graceful_timeout", "keepalive", "asgi_loop",
                "asgi_lifespan", "asgi_disconnect_grace_period", "websocket_max_message_size", "http_parser"));
        GUNICORN.put(Section.SECURITY, List.of("limit_request_line", "limit_request_fields", "limit_request_field_size"));
        GUNICORN.put(Section.DEBUGGING, List.of("reload", "reload_engine", "reload_extra_files", "spew", "check_config",
                "print_config"));
        GUNICORN.put(Section.SERVER_MECHANICS, List.of("preload_app", "sendfile", "reuse_port", "chdir", "daemon",
                "raw_env", "pidfile", "worker_tmp_dir", "user", "group", "umask", "initgroups", "tmp_upload_dir",
                "secure_scheme_headers", "forwarded_allow_ips", "pythonpath", "paste", "proxy_protocol",
                "proxy_allow_ips", "protocol", "uwsgi_allow_ips", "raw_paste_global_conf", "permit_obsolete_folding",
                "strip_header_spaces", "permit_unconventional_http_method", "permit_unconventional_http_version",
                "casefold_http_method", "forwarder_headers", "header_map", "root_path"));
        GUNICORN.put(Section.LOGGING, List.of("accesslog", "disable_redirect_access_to_syslog", "access_log_format",
                "errorlog", "loglevel", "capture_output", "logger_class", "logconfig", "logconfig_dict",
                "logconfig_json", "syslog_addr", "syslog", "syslog_prefix", "syslog_facility",
                "enable_stdio_inheritance", "statsd_host", "dogstatsd_tags", "statsd_prefix", "enable_backlog_metric"));
        GUNICORN.put(Section.PROCESS_NAMING, List.of("proc_name", "default_proc_name"));
        GUNICORN.put(Section.SERVER_HOOKS, List.of("on_starting", "on_reload", "when_ready", "pre_fork", "post_fork",
                "post_worker_init", "worker_int", "worker_abort", "pre_exec", "pre_request", "post_request",
                "child_exit", "worker_exit", "nworkers_changed", "on_exit", "ssl_context"));
        GUNICORN.put(Section.SSL, List.of("keyfile", "certfile", "ssl_version", "cert_reqs", "ca_certs",
                "suppress_ragged_eofs", "do_handshake_on_connect", "ciphers"));
        GUNICORN.put(Section.HTTP2, List.of("http_protocols", "http2_cleartext", "http2_max_concurrent_streams",
                "http2_initial_window_size", "http2_max_frame_size", "http2_max_header_list_size"));
        GUNICORN.put(Section.DIRTY_ARBITERS, List.of("dirty_apps", "dirty_workers", "dirty_timeout", "dirty_threads",
                "dirty_graceful_timeout"));
        GUNICORN.put(Section.DIRTY_ARBITER_HOOKS, List.of("on_dirty_starting", "dirty_post_fork", "dirty_worker_init",
                "dirty_worker_exit"));
        GUNICORN.put(Section.CONTROL, List.of("control_socket", "control_socket_mode", "control_socket_disable"));
    }

    private static final List<String> JVM = List.of("classpath", "header_timeout", "body_timeout", "body_min_rate", "io_threads",
            "eventloop_max_body", "eventloop_body_buffer", "require_host", "jvm_args", "no_master",
            "admin_bind", "hooks");

    /** Settings accepted only at their default until their feature lands (none since HTTP/2 did). */

    private static final Set<String> REFUSED_OUTSIDE_HOOKS = Set.of(
            "asgi_loop", "asgi_lifespan", "asgi_disconnect_grace_period", "websocket_max_message_size", "spew", "sendfile", "worker_tmp_dir",
            "tmp_upload_dir", "pythonpath", "paste", "raw_paste_global_conf", "uwsgi_allow_ips", "root_path",
            "logger_class", "logconfig_dict", "logconfig_json", "dirty_apps", "dirty_workers", "dirty_timeout",
            "dirty_threads", "dirty_graceful_timeout");

    private static final List<Map<String, String>> ENVS = List.of(
            Map.of(),
            Map.of("PORT", "9000", "WEB_CONCURRENCY", "4", "FORWARDED_ALLOW_IPS", "10.0.0.0/8, *,::1",
                    "XDG_RUNTIME_DIR", "/nonexistent-xdg", "HOME", "/home/app"));

    @Test
    void coversEveryGunicornSettingExactlyOnceInGunicornsOrderThenTheJvmSection() {
        List<String> expected = new ArrayList<>();
        GUNICORN.values().forEach(expected::addAll);
        assertEquals(120, expected.size());
        assertEquals(120, new HashSet<>(expected).size());
        expected.addAll(JVM);

        List<String> actual = Settings.ALL.stream().map(Setting::name).toList();
        assertEquals(expected, actual);

        GUNICORN.forEach((section, names) -> names.forEach(n ->
                assertEquals(section, Settings.byName(n).orElseThrow().section(), n)));
        JVM.forEach(n -> assertEquals(Section.JVM, Settings.byName(n).orElseThrow().section(), n));
    }

    @Test
    void everyConstantIsInTheTableUnderItsUpperCasedName() throws IllegalAccessException {
        int constants = 0;
        for (Field f : Settings.class.getDeclaredFields()) {
            if (f.getType() != Setting.class) continue;
            assertTrue(Modifier.isPublic(f.getModifiers()) && Modifier.isStatic(f.getModifiers())
                    && Modifier.isFinal(f.getModifiers()), f.getName());
            Setting<?> s = (Setting<?>) f.get(null);
            assertEquals(s.name().toUpperCase(Locale.ROOT), f.getName());
            assertSame(s, Settings.byName(s.name()).orElseThrow());
            constants++;
        }
        assertEquals(Settings.ALL.size(), constants);
        assertTrue(Settings.byName("no_such_setting").isEmpty());
        assertTrue(Settings.byName("WORKERS").isEmpty());
    }

    @Test
    void everyFlagIsUniqueAndResolvesToItsSetting() {
        Set<String> seen = new HashSet<>();
        for (Setting<?> s : Settings.ALL) {
            for (String flag : s.flags()) {
                assertTrue(flag.matches("-[A-Za-z]|--[a-z0-9][a-z0-9_-]*"), flag);
                assertTrue(seen.add(flag), "flag used twice: " + flag);
                assertSame(s, Settings.byFlag(flag).orElseThrow());
            }
        }
        assertTrue(Settings.byFlag("--no-such-flag").isEmpty());
        assertTrue(Settings.byFlag("workers").isEmpty());
    }

    @Test
    void gunicornsOddFlagsAreKept() {
        assertSame(Settings.LIMIT_REQUEST_FIELD_SIZE, Settings.byFlag("--limit-request-field_size").orElseThrow());
        assertTrue(Settings.byFlag("--limit-request-field-size").isEmpty());
        assertSame(Settings.PASTE, Settings.byFlag("--paster").orElseThrow());
        assertSame(Settings.PASTE, Settings.byFlag("--paste").orElseThrow());
        assertSame(Settings.ERRORLOG, Settings.byFlag("--log-file").orElseThrow());
        assertSame(Settings.ERRORLOG, Settings.byFlag("--error-logfile").orElseThrow());
        assertSame(Settings.KEEPALIVE, Settings.byFlag("--keep-alive").orElseThrow());
        assertSame(Settings.PRELOAD_APP, Settings.byFlag("--preload").orElseThrow());
        assertSame(Settings.SENDFILE, Settings.byFlag("--no-sendfile").orElseThrow());
        assertSame(Settings.CONTROL_SOCKET_DISABLE, Settings.byFlag("--no-control-socket").orElseThrow());
        assertSame(Settings.ENABLE_STDIO_INHERITANCE, Settings.byFlag("-R").orElseThrow());
        assertSame(Settings.PIDFILE, Settings.byFlag("--pid").orElseThrow());
        assertSame(Settings.PROXY_ALLOW_IPS, Settings.byFlag("--proxy-allow-from").orElseThrow());
        assertSame(Settings.RELOAD_EXTRA_FILES, Settings.byFlag("--reload-extra-file").orElseThrow());
        assertEquals(List.of("-w", "--workers"), Settings.WORKERS.flags());
        assertEquals(List.of("-k", "--worker-class"), Settings.WORKER_CLASS.flags());
    }

    @Test
    void settingsWithoutFlagsAreTheConfigFileOnlyOnes() {
        Set<String> flagless = new HashSet<>(List.of("wsgi_app", "tmp_upload_dir", "secure_scheme_headers",
                "logconfig_dict", "default_proc_name"));
        flagless.addAll(GUNICORN.get(Section.SERVER_HOOKS));
        flagless.addAll(GUNICORN.get(Section.DIRTY_ARBITER_HOOKS));
        for (Setting<?> s : Settings.ALL) {
            assertEquals(flagless.contains(s.name()), s.flags().isEmpty(), s.name());
        }
    }

    @Test
    void everyDefaultPassesItsOwnType() {
        for (Map<String, String> env : ENVS) {
            for (Setting<?> s : Settings.ALL) {
                check(s, env);
            }
        }
    }

    private static <T> void check(Setting<T> s, Map<String, String> env) {
        T d = s.defaultValue(env);
        assertEquals(d, s.fromConfig(d), s.name() + " default does not survive fromConfig");
        if (d instanceof Integer || d instanceof Boolean) {
            // render writes a Python literal; the command line takes the word inside a string's quotes ('auto')
            String word = s.type().render(d).replaceAll("^'(.*)'$", "$1");
            assertEquals(d, s.parse(word), s.name() + " default does not survive render/parse");
        }
        if (d instanceof List<?> list && s.type().repeatable()) {
            T rebuilt = s.type().fromConfig(List.of());
            for (Object word : list) rebuilt = s.type().append(rebuilt, (String) word);
            assertEquals(d, rebuilt, s.name());
        } else if (d instanceof List<?> list) {
            assertEquals(d, s.parse(String.join(",", list.stream().map(String::valueOf).toList())), s.name());
        }
        assertNotNull(s.defaultDoc(), s.name());
        assertFalse(s.defaultDoc().isBlank(), s.name());
    }

    @Test
    void everySettingHasHelpAndNonSupportedOnesCarryAReason() {
        for (Setting<?> s : Settings.ALL) {
            assertNotNull(s.help(), s.name());
            assertTrue(s.help().strip().length() > 15, s.name() + " help too short");
            if (s.supported()) {
                assertNull(s.refusal(), s.name());
            } else {
                assertNotNull(s.refusal(), s.name());
                assertFalse(s.refusal().isBlank(), s.name());
            }
        }
    }

    @Test
    void supportStatusFollowsTheClassification() {
        Set<String> refused = new HashSet<>(REFUSED_OUTSIDE_HOOKS);
        refused.addAll(GUNICORN.get(Section.SERVER_HOOKS));
        refused.addAll(GUNICORN.get(Section.DIRTY_ARBITER_HOOKS));
        assertEquals(16 + 4 + 21, refused.size());
        for (Setting<?> s : Settings.ALL) {
            Support expected = refused.contains(s.name()) ? Support.REFUSED : Support.SUPPORTED;
            assertEquals(expected, s.support(), s.name());
        }
        assertTrue(Settings.ON_STARTING.refusal().contains("--hooks"));
        assertTrue(Settings.PYTHONPATH.refusal().contains("--classpath"));
        assertTrue(Settings.LOGCONFIG_DICT.refusal().contains("--log-config"));
        assertTrue(Settings.PRE_REQUEST.refusal().contains("ServerHooks"));
        assertTrue(Settings.SSL_CONTEXT.refusal().contains("certfile"));
        assertTrue(Settings.ASGI_LOOP.refusal().contains("eventloop"));
    }

    @Test
    void switchesAreExactlyTheBoolSettingsWithFlags() {
        for (Setting<?> s : Settings.ALL) {
            boolean bool = isBool(s);
            assertEquals(bool && !s.flags().isEmpty(), s.isSwitch(), s.name());
            if (s.isSwitch()) {
                assertEquals(s == Settings.SENDFILE ? Boolean.FALSE : Boolean.TRUE, s.switchValue(), s.name());
            } else if (!s.flags().isEmpty()) {
                assertNotNull(s.metavar(), s.name() + " takes a value and needs a metavar");
            }
        }
        assertTrue(Settings.SUPPRESS_RAGGED_EOFS.isSwitch());
        assertEquals(true, Settings.SUPPRESS_RAGGED_EOFS.defaultValue(Map.of()));
    }

    private static boolean isBool(Setting<?> s) {
        try {
            return s.type().fromConfig(Boolean.TRUE) instanceof Boolean;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void gunicornsDefaultsAndRanges() {
        Map<String, String> none = Map.of();
        assertEquals(2048, Settings.BACKLOG.defaultValue(none));
        assertEquals(2, Settings.KEEPALIVE.defaultValue(none));
        assertEquals(30, Settings.TIMEOUT.defaultValue(none));
        assertEquals(30, Settings.GRACEFUL_TIMEOUT.defaultValue(none));
        assertEquals(1000, Settings.WORKER_CONNECTIONS.defaultValue(none));
        assertEquals(4094, Settings.LIMIT_REQUEST_LINE.defaultValue(none));
        assertEquals(100, Settings.LIMIT_REQUEST_FIELDS.defaultValue(none));
        assertEquals(8190, Settings.LIMIT_REQUEST_FIELD_SIZE.defaultValue(none));
        assertEquals("sync", Settings.WORKER_CLASS.defaultValue(none));
        assertEquals("-", Settings.ERRORLOG.defaultValue(none));
        assertNull(Settings.ACCESSLOG.defaultValue(none));
        assertEquals("%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"",
                Settings.ACCESS_LOG_FORMAT.defaultValue(none));
        assertEquals(List.of("SCRIPT_NAME", "PATH_INFO"), Settings.FORWARDER_HEADERS.defaultValue(none));
        assertEquals(List.of("X-FORWARDED-PROTOCOL", "X-FORWARDED-PROTO", "X-FORWARDED-SSL"),
                List.copyOf(Settings.SECURE_SCHEME_HEADERS.defaultValue(none).keySet()));
        assertEquals(0600, Settings.CONTROL_SOCKET_MODE.defaultValue(none));
        assertEquals(10, Settings.HEADER_TIMEOUT.defaultValue(none));

        assertEquals(0, Settings.LIMIT_REQUEST_LINE.parse("0"));
        assertEquals(16, Settings.LIMIT_REQUEST_LINE.parse("0x10"));
        SettingException e = assertThrows(SettingException.class, () -> Settings.LIMIT_REQUEST_LINE.parse("-1"));
        assertEquals("limit_request_line", e.setting());
        assertTrue(e.getMessage().contains("limit_request_line") && e.getMessage().contains(">= 0"), e.getMessage());
        assertThrows(SettingException.class, () -> Settings.LIMIT_REQUEST_LINE.fromConfig(-1L));
        assertThrows(SettingException.class, () -> Settings.LIMIT_REQUEST_LINE.fromConfig(true));
        assertThrows(SettingException.class, () -> Settings.HTTP2_MAX_FRAME_SIZE.parse("16383"));
        assertEquals(16777215, Settings.HTTP2_MAX_FRAME_SIZE.parse("16777215"));
        assertThrows(SettingException.class, () -> Settings.CERT_REQS.parse("3"));
        assertEquals(18, Settings.UMASK.parse("022"));
        assertEquals(0, Settings.WORKERS.parse("0"));
    }

    @Test
    void workersDefaultReadsWebConcurrency() {
        assertEquals(1, Settings.WORKERS.defaultValue(Map.of()));
        assertEquals(4, Settings.WORKERS.defaultValue(Map.of("WEB_CONCURRENCY", "4")));
        assertEquals("$WEB_CONCURRENCY or 1", Settings.WORKERS.defaultDoc());
        SettingException e = assertThrows(SettingException.class,
                () -> Settings.WORKERS.defaultValue(Map.of("WEB_CONCURRENCY", "many")));
        assertTrue(e.getMessage().contains("WEB_CONCURRENCY"), e.getMessage());
        assertThrows(SettingException.class, () -> Settings.WORKERS.defaultValue(Map.of("WEB_CONCURRENCY", "-2")));
    }

    @Test
    void bindDefaultReadsPort() {
        assertEquals(List.of("127.0.0.1:8000"), Settings.BIND.defaultValue(Map.of()));
        assertEquals(List.of("0.0.0.0:5000"), Settings.BIND.defaultValue(Map.of("PORT", "5000")));
        assertEquals("['127.0.0.1:8000'], or ['0.0.0.0:$PORT'] when PORT is set", Settings.BIND.defaultDoc());
        assertTrue(Settings.BIND.type().repeatable());
    }

    @Test
    void forwardedAllowIpsDefaultReadsTheEnvironmentAndIsChecked() {
        assertEquals(List.of("127.0.0.1", "::1"), Settings.FORWARDED_ALLOW_IPS.defaultValue(Map.of()));
        assertEquals(List.of("10.0.0.0/8", "*"),
                Settings.FORWARDED_ALLOW_IPS.defaultValue(Map.of("FORWARDED_ALLOW_IPS", "10.0.0.0/8, *")));
        assertThrows(SettingException.class,
                () -> Settings.FORWARDED_ALLOW_IPS.defaultValue(Map.of("FORWARDED_ALLOW_IPS", "10.0.0.1/8")));
        assertEquals(List.of("127.0.0.1", "::1"), Settings.PROXY_ALLOW_IPS.defaultValue(Map.of("FORWARDED_ALLOW_IPS", "*")));

        for (String ok : List.of("*", "::1", "10.0.0.0/8", "192.168.1.7", "fe80::/10", "fe80::1%eth0",
                "::ffff:10.0.0.0/104", "0.0.0.0/0", "2001:db8::/32")) {
            assertEquals(List.of(ok), Settings.FORWARDED_ALLOW_IPS.parse(ok), ok);
        }
        for (String bad : List.of("10.0.0.1/8", "localhost", "1.2.3.4/33", "010.1.1.1", "1.2.3", "256.1.1.1",
                "::1/129", "1::2::3", "10.0.0.0/x")) {
            assertThrows(SettingException.class, () -> Settings.FORWARDED_ALLOW_IPS.parse(bad), bad);
        }
        assertEquals(List.of("10.0.0.0/8", "::1"), Settings.PROXY_ALLOW_IPS.fromConfig(List.of("10.0.0.0/8", "::1")));
    }

    @Test
    void workerClassAcceptsJvmModelsAndGeventAsVirtual() {
        for (String k : List.of("sync", "gthread", "virtual", "eventloop")) {
            assertEquals(k, Settings.WORKER_CLASS.parse(k));
        }
        assertEquals("gevent", Settings.WORKER_CLASS.parse("gevent"));
        for (String other : List.of("gevent_wsgi", "gevent_pywsgi", "tornado", "asgi", "eventlet",
                "gunicorn.workers.ggevent.GeventWorker", "egg:gunicorn#gevent")) {
            SettingException e = assertThrows(SettingException.class, () -> Settings.WORKER_CLASS.parse(other), other);
            assertTrue(e.getMessage().contains("sync, gthread, virtual, eventloop, gevent"), e.getMessage());
        }
    }

    @Test
    void enumsFollowGunicornsSpellings() {
        assertEquals("auto", Settings.PROXY_PROTOCOL.fromConfig(true));
        assertEquals("off", Settings.PROXY_PROTOCOL.fromConfig(false));
        assertEquals("off", Settings.PROXY_PROTOCOL.parse("none"));
        assertEquals("v2", Settings.PROXY_PROTOCOL.parse("V2"));
        assertThrows(SettingException.class, () -> Settings.PROXY_PROTOCOL.parse("v3"));
        assertEquals("prior-knowledge", Settings.HTTP2_CLEARTEXT.fromConfig(true));
        assertEquals("uwsgi", Settings.PROTOCOL.parse("uwsgi"));
        assertThrows(SettingException.class, () -> Settings.PROTOCOL.parse("fastcgi"));
        assertThrows(SettingException.class, () -> Settings.HEADER_MAP.parse("keep"));
        assertThrows(SettingException.class, () -> Settings.HTTP_PARSER.parse("c"));
        assertEquals(List.of("h2", "h1"), Settings.HTTP_PROTOCOLS.parse("H2, h1"));
        assertThrows(SettingException.class, () -> Settings.HTTP_PROTOCOLS.parse("h1,h1"));
        assertThrows(SettingException.class, () -> Settings.HTTP_PROTOCOLS.parse("h1,spdy"));
    }

    @Test
    void oddTypes() {
        assertNull(Settings.SENDFILE.defaultValue(Map.of()));
        assertNull(Settings.SENDFILE.fromConfig(null));
        assertEquals(true, Settings.SENDFILE.fromConfig(true));
        assertEquals("None", Settings.SENDFILE.type().render(null));
        assertEquals("1000", Settings.USER.fromConfig(1000L));
        assertEquals("www-data", Settings.USER.parse("www-data"));
        assertEquals("2", Settings.SSL_VERSION.fromConfig(2L));
        assertThrows(SettingException.class, () -> Settings.SECURE_SCHEME_HEADERS.parse("X=1"));
        assertEquals(Map.of("X-SCHEME", "https"), Settings.SECURE_SCHEME_HEADERS.fromConfig(Map.of("X-SCHEME", "https")));
        assertEquals(List.of("-Xmx256m", "-Dx=1"),
                Settings.JVM_ARGS.type().append(Settings.JVM_ARGS.parse("-Xmx256m"), "-Dx=1"));
        assertEquals(List.of("lib/a.jar", "classes"), Settings.CLASSPATH.parse("lib/a.jar, classes"));
    }
}
