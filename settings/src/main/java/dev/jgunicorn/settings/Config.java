package dev.jgunicorn.settings;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
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

    /**
     * This configuration as one line of text, for a process this one starts: {@link #decode} gives it back whole, so
     * a worker runs with its master's resolved settings without reading the command line and config file again
     * (picocli's model of the command line was a third of a worker's start-up).
     */
    public String encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeValue(out, app);
            out.writeUTF(baseDir.toString());
            writeValue(out, warnings);
            out.writeInt(values.size());
            for (Map.Entry<Setting<?>, Object> e : values.entrySet()) {
                out.writeUTF(e.getKey().name());
                writeValue(out, e.getValue());
                writeValue(out, sources.get(e.getKey()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /**
     * The configuration {@link #encode} wrote; an IllegalArgumentException when the text is not one (another
     * version's, or damaged).
     */
    public static Config decode(String text) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(text)))) {
            String app = (String) readValue(in);
            Path baseDir = Path.of(in.readUTF());
            @SuppressWarnings("unchecked") List<String> warnings = (List<String>) readValue(in);
            Map<Setting<?>, Object> values = new LinkedHashMap<>();
            Map<Setting<?>, String> sources = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                String name = in.readUTF();
                Setting<?> s = Settings.byName(name).orElseThrow(() -> new IllegalArgumentException("unknown setting " + name));
                values.put(s, readValue(in));
                String source = (String) readValue(in);
                if (source != null) sources.put(s, source);
            }
            if (in.read() != -1) throw new IllegalArgumentException("trailing bytes");
            return new Config(values, sources, app, baseDir, warnings);
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not an encoded configuration: " + e.getMessage(), e);
        }
    }

    // the value types of the settings table: null, Boolean, Integer, String, List<String>, Map<String, String>
    private static void writeValue(DataOutputStream out, Object v) throws IOException {
        switch (v) {
            case null -> out.writeByte('N');
            case Boolean b -> {
                out.writeByte('B');
                out.writeBoolean(b);
            }
            case Integer i -> {
                out.writeByte('I');
                out.writeInt(i);
            }
            case String str -> {
                out.writeByte('S');
                writeString(out, str);
            }
            case List<?> list -> {
                out.writeByte('L');
                out.writeInt(list.size());
                for (Object o : list) writeString(out, (String) o);
            }
            case Map<?, ?> map -> {
                out.writeByte('M');
                out.writeInt(map.size());
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    writeString(out, (String) e.getKey());
                    writeString(out, (String) e.getValue());
                }
            }
            default -> throw new IllegalArgumentException("a setting's value of type " + v.getClass().getName());
        }
    }

    private static Object readValue(DataInputStream in) throws IOException {
        int tag = in.readByte();
        return switch (tag) {
            case 'N' -> null;
            case 'B' -> in.readBoolean();
            case 'I' -> in.readInt();
            case 'S' -> readString(in);
            case 'L' -> {
                List<String> list = new ArrayList<>();
                for (int i = in.readInt(); i > 0; i--) list.add(readString(in));
                yield List.copyOf(list);
            }
            case 'M' -> {
                Map<String, String> map = new LinkedHashMap<>();
                for (int i = in.readInt(); i > 0; i--) map.put(readString(in), readString(in));
                yield Collections.unmodifiableMap(map);
            }
            default -> throw new IOException("unknown value tag " + tag);
        };
    }

    // writeUTF stops at 64 KiB; a value (a long raw_env, say) may be longer
    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
    }
}
