package dev.jgunicorn.settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The resolved settings of one run: every setting's value and where it came from. */
public final class Config {
    private final Map<Setting<?>, Object> values;
    private final Map<Setting<?>, String> sources;
    private final String app;
    private final Path baseDir;
    private final List<String> warnings;

    Config(Map<Setting<?>, Object> values, Map<Setting<?>, String> sources, String app, Path baseDir, List<String> warnings) {
        this.values = new LinkedHashMap<>(values);
        this.sources = new LinkedHashMap<>(sources);
        this.app = app;
        this.baseDir = baseDir;
        this.warnings = List.copyOf(warnings);
    }

    /** A run with no sources: every setting at the table's default (the environment not consulted). */
    public static Config defaults() {
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : Settings.ALL) values.put(s, s.defaultValue(Map.of()));
        return new Config(values, Map.of(), null, Path.of("").toAbsolutePath(), List.of());
    }

    /**
     * This configuration with one setting changed by the program itself (an embedded server's or a test's choice),
     * checked as a config-file value would be.
     */
    public Config with(Setting<?> s, Object value) {
        Map<Setting<?>, Object> changed = new LinkedHashMap<>(values);
        changed.put(s, s.fromConfig(value));
        Map<Setting<?>, String> from = new LinkedHashMap<>(sources);
        from.put(s, "program");
        return new Config(changed, from, app, baseDir, warnings);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> s) {
        return (T) values.get(s);
    }

    /** "default", "config file gunicorn.conf.py:12", "GUNICORN_CMD_ARGS", "command line" or "program". */
    public String sourceOf(Setting<?> s) {
        return sources.getOrDefault(s, "default");
    }

    /** The APP argument, or the config file's wsgi_app; null when neither is given. */
    public String app() {
        return app;
    }

    /** The directory relative paths are resolved against: --chdir, or the directory jgunicorn started in. */
    public Path baseDir() {
        return baseDir;
    }

    /** Things worth a warning once logging is up (unknown names in the config file, deprecated values). */
    public List<String> warnings() {
        return warnings;
    }

    /** Gunicorn's --print-config: every setting as {@code name = value}, sorted by name. */
    public String describe() {
        List<Setting<?>> all = new ArrayList<>(values.keySet());
        all.sort(Comparator.comparing(Setting::name));
        int width = all.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (Setting<?> s : all) {
            sb.append(String.format("%-" + width + "s = %s%n", s.name(), render(s)));
        }
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private <T> String render(Setting<T> s) {
        return s.type().render((T) values.get(s));
    }
}
