package dev.jgunicorn.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges Prometheus text expositions (format 0.0.4) of several processes into one: the master's /metrics shows
 * every worker, each worker's samples labelled {@code worker="N"}. Samples of one metric family stay together
 * under one HELP and TYPE, as the format requires.
 */
public final class Exposition {
    private static final class Family {
        String help;
        String type;
        final List<String> samples = new ArrayList<>();
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** Adds one process's exposition; {@code worker} labels its samples, or null to leave them as they are. */
    public Exposition add(String text, String worker) {
        Family current = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String rest = line.substring(7);
                int sp = rest.indexOf(' ');
                String name = sp < 0 ? rest : rest.substring(0, sp);
                current = families.computeIfAbsent(name, n -> new Family());
                if (line.startsWith("# HELP ")) {
                    if (current.help == null) current.help = line;
                } else if (current.type == null) {
                    current.type = line;
                }
            } else if (!line.startsWith("#")) {
                if (current == null) current = families.computeIfAbsent(metricName(line), n -> new Family());
                current.samples.add(worker == null ? line : withLabel(line, "worker", worker));
            }
        }
        return this;
    }

    private static String metricName(String sample) {
        int end = 0;
        while (end < sample.length() && sample.charAt(end) != '{' && sample.charAt(end) != ' ') end++;
        return sample.substring(0, end);
    }

    /** {@code name{a="b"} 1} with {@code key="value"} added first among the labels. */
    static String withLabel(String sample, String key, String value) {
        String label = key + "=\"" + value + "\"";
        int brace = sample.indexOf('{');
        int space = sample.indexOf(' ');
        if (brace >= 0 && (space < 0 || brace < space)) {
            boolean empty = sample.charAt(brace + 1) == '}';
            return sample.substring(0, brace + 1) + label + (empty ? "" : ",") + sample.substring(brace + 1);
        }
        return sample.substring(0, space) + "{" + label + "}" + sample.substring(space);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Family f : families.values()) {
            if (f.help != null) sb.append(f.help).append('\n');
            if (f.type != null) sb.append(f.type).append('\n');
            for (String s : f.samples) sb.append(s).append('\n');
        }
        return sb.toString();
    }
}
