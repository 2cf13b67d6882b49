package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.api.v1alpha1.AppServer;
import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.settings.ConfigFileException;
import dev.jgunicorn.settings.PyConfigFile;
import dev.jgunicorn.settings.Setting;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.Support;
import dev.jgunicorn.settings.python.Py;
import io.fabric8.kubernetes.api.model.AnyType;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gunicorn.conf.py of a GunicornServer: spec fields and the settings map, checked against the settings
 * model and written as Python assignments that the worker's own reader ({@link PyConfigFile}) parses; with
 * server gunicorn, for real Gunicorn (after the user's own config file, if named), without jgunicorn's settings.
 * Workers are not in the file (they are the Deployment's replicas), so scaling never rolls pods.
 */
public final class ConfigFile {
    public static final String FILE_NAME = "gunicorn.conf.py";
    public static final String MOUNT_DIR = "/etc/jgunicorn";
    public static final String PATH = MOUNT_DIR + "/" + FILE_NAME;

    private final String text;
    private final Map<String, Object> values;

    private ConfigFile(String text, Map<String, Object> values) {
        this.text = text;
        this.values = values;
    }

    /** The file's text. */
    public String text() {
        return text;
    }

    /** Setting name → checked value (the settings model's Java value), in file order. */
    public Map<String, Object> values() {
        return values;
    }

    /** The value the file gives {@code setting}, or the setting's default when it gives none. */
    @SuppressWarnings("unchecked") // values holds each setting's own Java type (put through Setting.fromConfig)
    public <T> T get(Setting<T> setting) {
        Object v = values.get(setting.name());
        return v == null ? setting.defaultValue(Map.of()) : (T) v;
    }

    /**
     * First 16 hex digits of the SHA-256 of the text: the pod-template annotation that names the config in
     * {@code kubectl rollout history}; its first digits also name the ConfigMap ({@link DesiredState#configMapName}).
     */
    public String hash() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Renders the file, or fails with every problem found (each naming its field and the allowed values). */
    @SuppressWarnings("unchecked")
    public static ConfigFile render(GunicornServerSpec spec) throws InvalidSpecException {
        boolean gunicorn = spec.getServer() == AppServer.GUNICORN;
        List<String> problems = new ArrayList<>();
        Map<String, Object> values = new LinkedHashMap<>();
        int port = orDefault(spec.getPort(), GunicornServerSpec.DEFAULT_PORT);
        int adminPort = orDefault(spec.getAdminPort(), GunicornServerSpec.DEFAULT_ADMIN_PORT);
        // Ranges the CRD schema also enforces, checked again because a resource may predate a schema change.
        checkPort("spec.port", port, problems);
        checkPort("spec.adminPort", adminPort, problems);
        if (port == adminPort) problems.add("spec.port and spec.adminPort must differ (both are " + port + ")");
        put(values, problems, "spec.port", Settings.BIND, List.of("0.0.0.0:" + port));
        if (gunicorn) {
            // A user's config file may set workers; each pod is one worker (replicas are the workers).
            put(values, problems, "spec.workers", Settings.WORKERS, 1L);
            put(values, problems, "spec.server", Settings.PIDFILE, GunicornPod.PIDFILE);
            put(values, problems, "spec.server", Settings.STATSD_HOST, GunicornPod.STATSD_HOST);
        } else {
            put(values, problems, "spec.adminPort", Settings.ADMIN_BIND, "0.0.0.0:" + adminPort);
        }
        String gunicornWorkerClass = null;
        for (SpecSettings.Field f : SpecSettings.RENDERED) {
            Object v = f.value().apply(spec);
            if (v == null) continue;
            if (gunicorn && f.setting() == Settings.WORKER_CLASS) {
                // Gunicorn's classes are not the settings model's (eventlet, tornado, a class's Python path).
                String refusal = SpecSettings.JAVA_WORKER_CLASSES.get(v);
                if (refusal != null) problems.add(f.path() + ": " + v + " cannot be used with server gunicorn: " + refusal);
                gunicornWorkerClass = (String) v;
            } else {
                put(values, problems, f.path(), f.setting(), v);
            }
        }
        if (spec.getSettings() != null) {
            // Sorted so the same map always renders the same file (and hash).
            for (Map.Entry<String, AnyType> e : new TreeMap<>(spec.getSettings()).entrySet()) {
                settingsEntry(e.getKey(), e.getValue() == null ? null : e.getValue().getValue(), gunicorn, values, problems);
            }
        }
        // Always written, so the sidecar's --statsd-prefix matches even when the user's own file sets one.
        if (gunicorn) {
            values.putIfAbsent(Settings.STATSD_PREFIX.name(), "");
            // Gunicorn 27's default is under $HOME, which a read-only root filesystem does not let it create.
            values.putIfAbsent("control_socket", GunicornPod.CONTROL_SOCKET);
        }
        if (!problems.isEmpty()) throw new InvalidSpecException(problems);

        StringBuilder assignments = new StringBuilder();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            assignments.append(e.getKey()).append(" = ").append(gunicorn && SpecSettings.GUNICORN_COMMA_SEPARATED.contains(e.getKey())
                    ? Py.quote(String.join(",", (List<String>) e.getValue()))
                    : render(Settings.byName(e.getKey()).orElseThrow(), e.getValue())).append('\n');
        }
        verifyRoundTrip(assignments.toString(), values);
        if (gunicornWorkerClass != null) assignments.append("worker_class = ").append(Py.quote(gunicornWorkerClass)).append('\n');

        StringBuilder b = new StringBuilder();
        b.append("# Rendered by the jgunicorn operator from a GunicornServer; edits are overwritten.\n");
        if (gunicorn) {
            b.append("# Each pod runs: gunicorn -c ").append(PATH).append(" APP, beside the jgunicorn sidecar\n");
            if (spec.getConfigFile() != null) b.append(userConfigFirst(spec.getConfigFile()));
        } else {
            b.append("# Each pod runs: jgunicorn --workers 1 -c ").append(PATH).append(" APP\n");
        }
        b.append(assignments);
        return new ConfigFile(b.toString(), values);
    }

    /**
     * Runs the user's own gunicorn.conf.py in this file's namespace, as Gunicorn would have loaded it: its hooks
     * and settings are defined here, and the assignments after it override the settings the resource manages.
     */
    private static String userConfigFirst(String path) {
        String p = Py.quote(path);
        return "# The image's own config file first (spec.configFile): its hooks stay, the values below win.\n"
                + "with open(" + p + ") as _user_config:\n"
                + "    exec(compile(_user_config.read(), " + p + ", \"exec\"))\n"
                + "del _user_config\n";
    }

    private static void settingsEntry(String key, Object raw, boolean gunicorn, Map<String, Object> values, List<String> problems) {
        String field = "spec.settings." + key;
        var setting = Settings.byName(key);
        if (setting.isEmpty()) {
            problems.add(field + ": unknown setting" + Settings.didYouMean(key) + "; see docs/settings.md for the names");
            return;
        }
        Setting<?> s = setting.get();
        String managed = (gunicorn ? SpecSettings.MANAGED_FOR_GUNICORN : SpecSettings.MANAGED).get(key);
        if (managed != null) {
            problems.add(field + ": not allowed here: " + managed);
            return;
        }
        var specField = SpecSettings.fieldFor(key);
        if (specField.isPresent()) {
            problems.add(field + ": use " + specField.get().path() + " instead");
            return;
        }
        if (gunicorn) {
            if (s.jgunicornOnly()) {
                String instead = SpecSettings.INSTEAD_WITH_GUNICORN.get(key);
                problems.add(field + ": a jgunicorn setting that Gunicorn does not know" + (instead == null ? "" : ": " + instead));
                return;
            }
            if (SpecSettings.GUNICORN_FUNCTIONS.contains(key)) {
                problems.add(field + ": a Python function, which YAML cannot hold: define " + key + " in your own config file (spec.configFile)");
                return;
            }
        } else if (s.support() != Support.SUPPORTED) {
            problems.add(field + ": cannot be used with jgunicorn: " + s.refusal());
            return;
        }
        put(values, problems, field, s, toConfigValue(raw));
    }

    /** JSON values as the config-file reader produces them: whole numbers as Long, lists and dicts as such. */
    private static Object toConfigValue(Object raw) {
        if (raw instanceof Integer i) return i.longValue();
        if (raw instanceof Short || raw instanceof Byte) return ((Number) raw).longValue();
        if (raw instanceof java.math.BigInteger bi) return bi.longValue();
        if (raw instanceof Float f) return f.doubleValue();
        if (raw instanceof java.math.BigDecimal bd) return bd.doubleValue();
        if (raw instanceof List<?> l) return l.stream().map(ConfigFile::toConfigValue).toList();
        if (raw instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), toConfigValue(v)));
            return out;
        }
        return raw;
    }

    private static void put(Map<String, Object> values, List<String> problems, String field, Setting<?> s, Object v) {
        try {
            values.put(s.name(), s.fromConfig(v));
        } catch (SettingException e) {
            problems.add(field + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> String render(Setting<T> s, Object v) {
        return s.type().render((T) v);
    }

    /** The worker reads these assignments with PyConfigFile: prove here that it reads back the same values. */
    private static void verifyRoundTrip(String text, Map<String, Object> values) {
        try {
            Map<String, Object> read = PyConfigFile.parse(text, FILE_NAME, Map.of(), 1).values();
            for (Map.Entry<String, Object> e : values.entrySet()) {
                Object back = Settings.byName(e.getKey()).orElseThrow().fromConfig(read.get(e.getKey()));
                if (!java.util.Objects.equals(back, e.getValue())) {
                    throw new IllegalStateException("rendered " + e.getKey() + " reads back as " + back + ", not " + e.getValue());
                }
            }
        } catch (ConfigFileException e) {
            throw new IllegalStateException("rendered gunicorn.conf.py does not parse: " + e.getMessage(), e);
        }
    }

    private static void checkPort(String field, int port, List<String> problems) {
        if (port < 1 || port > 65535) problems.add(field + ": " + port + " is out of range (allowed: 1 to 65535)");
    }

    private static int orDefault(Integer v, int d) {
        return v == null ? d : v;
    }
}
