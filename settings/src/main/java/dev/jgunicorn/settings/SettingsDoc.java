package dev.jgunicorn.settings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders docs/settings.md from the settings table. CI fails when the committed file differs; regenerate with
 * {@code bin/settings-doc} (or run this class with the output path).
 */
public final class SettingsDoc {
    private SettingsDoc() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/settings.md");
        Files.writeString(out, render());
    }

    public static String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Settings\n\n");
        sb.append("<!-- Generated from settings/src/main/java/dev/jgunicorn/settings/Settings.java by SettingsDoc; do not edit. -->\n\n");
        sb.append("jgunicorn reads Gunicorn's settings under Gunicorn's names, flags and defaults. Sources, lowest to highest: ")
                .append("the defaults, the config file (`-c FILE`, default `./gunicorn.conf.py`), `GUNICORN_CMD_ARGS`, the command line.\n\n");
        Map<Support, Long> counts = Settings.ALL.stream().collect(Collectors.groupingBy(Setting::support,
                () -> new EnumMap<>(Support.class), Collectors.counting()));
        sb.append("Status: **supported** settings are honoured; **refused** ones have no meaning on the JVM. A refused setting ")
                .append("is accepted at its default and stops jgunicorn with the reason when set to anything else: nothing is silently ignored.\n\n");
        sb.append("Counts: ").append(counts.getOrDefault(Support.SUPPORTED, 0L)).append(" supported, ")
                .append(counts.getOrDefault(Support.REFUSED, 0L)).append(" refused, of ")
                .append(Settings.ALL.size()).append(" settings.\n\n");
        for (Section section : Section.values()) {
            List<Setting<?>> in = Settings.ALL.stream().filter(s -> s.section() == section).toList();
            if (in.isEmpty()) continue;
            sb.append("## ").append(section.title).append("\n\n");
            sb.append("| setting | flags | default | allowed | status | meaning |\n|---|---|---|---|---|---|\n");
            for (Setting<?> s : in) {
                sb.append("| `").append(s.name()).append("` | ")
                        .append(s.flags().isEmpty() ? "config file only" : s.flags().stream().map(f -> "`" + f + "`").collect(Collectors.joining(", ")))
                        .append(" | `").append(cell(s.defaultDoc())).append("` | ")
                        .append(cell(s.isSwitch() ? "flag (no argument)" : s.type().describe())).append(" | ")
                        .append(s.support().name().toLowerCase()).append(" | ")
                        .append(cell(s.help()));
                if (!s.supported()) sb.append(" *").append(cell(s.refusal())).append("*");
                sb.append(" |\n");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
