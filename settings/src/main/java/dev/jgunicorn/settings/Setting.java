package dev.jgunicorn.settings;

import dev.jgunicorn.settings.python.Py;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One Gunicorn setting, defined once: its name, section, flags, type, default, help and whether
 * it applies on the JVM. The CLI, the config-file reader, --print-config and docs/settings.md derive from it.
 *
 * @param <T> the value's Java type
 */
public final class Setting<T> {
    private final String name;
    private final Section section;
    private final List<String> flags;
    private final ValueType<T> type;
    private final Function<Map<String, String>, T> defaultValue;
    private final String defaultDoc;
    private final String metavar;
    private final String help;
    private final Support support;
    private final String refusal;
    private final boolean switchFlag;
    private final T switchValue;

    private Setting(Builder<T> b) {
        this.name = Objects.requireNonNull(b.name);
        this.section = Objects.requireNonNull(b.section, name + ": section");
        this.flags = List.copyOf(b.flags);
        this.type = Objects.requireNonNull(b.type, name + ": type");
        this.defaultValue = b.defaultValue;
        this.defaultDoc = b.defaultDoc;
        this.metavar = b.metavar;
        this.help = Objects.requireNonNull(b.help, name + ": help");
        this.support = b.support;
        this.refusal = b.refusal;
        this.switchFlag = b.switchFlag;
        this.switchValue = b.switchValue;
    }

    public static <T> Builder<T> setting(String name, Section section, ValueType<T> type) {
        return new Builder<>(name, section, type);
    }

    public String name() {
        return name;
    }

    public Section section() {
        return section;
    }

    /** jgunicorn's own setting (its JVM section), which Gunicorn does not know and would ignore in a config file. */
    public boolean jgunicornOnly() {
        return section == Section.JVM;
    }

    /** Command-line flags, e.g. {@code -w, --workers}; empty for config-file-only settings. */
    public List<String> flags() {
        return flags;
    }

    public ValueType<T> type() {
        return type;
    }

    /** The default, which may depend on the environment (PORT, WEB_CONCURRENCY) as in Gunicorn. */
    public T defaultValue(Map<String, String> env) {
        return defaultValue.apply(env);
    }

    /** The default as documented, e.g. "$WEB_CONCURRENCY or 1". */
    public String defaultDoc() {
        return defaultDoc != null ? defaultDoc : type.render(defaultValue.apply(Map.of()));
    }

    public String metavar() {
        return metavar;
    }

    public String help() {
        return help;
    }

    /** Whether the setting is honoured, comes with a later part of jgunicorn, or cannot apply on the JVM. */
    public Support support() {
        return support;
    }

    public boolean supported() {
        return support == Support.SUPPORTED;
    }

    /** Why a non-default value is refused (and what to use instead); null when supported. */
    public String refusal() {
        return refusal;
    }

    /** A flag that takes no argument (Gunicorn's store_true / store_false). */
    public boolean isSwitch() {
        return switchFlag;
    }

    /** What a switch flag stores when given. */
    public T switchValue() {
        return switchValue;
    }

    /** Parses a command-line word, naming the setting and its allowed range on failure. */
    public T parse(String word) {
        try {
            return type.parse(word);
        } catch (IllegalArgumentException e) {
            throw invalid(word, e);
        }
    }

    /** Converts a config-file value, naming the setting and its allowed range on failure. */
    public T fromConfig(Object value) {
        try {
            return type.fromConfig(value);
        } catch (IllegalArgumentException e) {
            throw invalid(Py.literal(value), e);
        }
    }

    private SettingException invalid(String shown, IllegalArgumentException e) {
        return new SettingException(name, "Invalid value for " + name + ": " + shown + ": " + e.getMessage()
                + " (allowed: " + type.describe() + ")");
    }

    @Override
    public String toString() {
        return name;
    }

    public static final class Builder<T> {
        private final String name;
        private final Section section;
        private final ValueType<T> type;
        private List<String> flags = List.of();
        private Function<Map<String, String>, T> defaultValue = env -> null;
        private String defaultDoc;
        private String metavar;
        private String help;
        private Support support = Support.SUPPORTED;
        private String refusal;
        private boolean switchFlag;
        private T switchValue;

        private Builder(String name, Section section, ValueType<T> type) {
            this.name = name;
            this.section = section;
            this.type = type;
        }

        public Builder<T> flags(String... flags) {
            this.flags = List.of(flags);
            return this;
        }

        public Builder<T> defaultValue(T value) {
            this.defaultValue = env -> value;
            return this;
        }

        /** A default computed from the environment, documented as {@code doc}. */
        public Builder<T> defaultFrom(Function<Map<String, String>, T> fromEnv, String doc) {
            this.defaultValue = fromEnv;
            this.defaultDoc = doc;
            return this;
        }

        public Builder<T> metavar(String metavar) {
            this.metavar = metavar;
            return this;
        }

        public Builder<T> help(String help) {
            this.help = help;
            return this;
        }

        /** Marks the setting as not applicable on the JVM: {@code why} says why and what to use instead. */
        public Builder<T> refused(String why) {
            this.support = Support.REFUSED;
            this.refusal = why;
            return this;
        }

        /** The flag takes no argument and stores {@code value} (Gunicorn's store_true / store_false). */
        public Builder<T> switchStoring(T value) {
            this.switchFlag = true;
            this.switchValue = value;
            return this;
        }

        public Setting<T> build() {
            return new Setting<>(this);
        }
    }
}
