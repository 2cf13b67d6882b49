package dev.jgunicorn.operator.api.v1alpha1;

import dev.jgunicorn.operator.desired.SpecSettings;
import dev.jgunicorn.operator.desired.SpecSettings.Field;
import dev.jgunicorn.settings.Setting;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.ValueType;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spec fields that stand for a jgunicorn setting carry the settings model's ranges, defaults and values, in
 * the CRD (what kubectl and the API server apply) and in the constants the operator falls back on.
 */
class SettingsAlignmentTest {
    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void settingsBackedFieldsCarryTheSettingsModelsRangesAndDefaults() throws Exception {
        Map<String, JSONSchemaProps> props = GeneratedCrd.spec().getProperties();
        List<String> drift = new ArrayList<>();
        for (Field f : SpecSettings.RENDERED) {
            JSONSchemaProps p = props.get(f.name());
            if (p == null) {
                drift.add(f.path() + " missing from the CRD");
                continue;
            }
            Setting<?> s = f.setting();
            if (!s.supported()) drift.add(f.path() + " is backed by " + s.name() + ", which the runtime does not support");
            if (s.type() instanceof ValueType.IntType t) {
                if (p.getMinimum() == null || p.getMinimum() != t.min()) drift.add(f.path() + " minimum " + p.getMinimum() + " != " + t.min());
                Double max = t.max() == Integer.MAX_VALUE ? null : (double) t.max();
                if (!Objects.equals(p.getMaximum(), max)) drift.add(f.path() + " maximum " + p.getMaximum() + " != " + max);
                Object def = s.defaultValue(NO_ENV);
                if (p.getDefault() == null || p.getDefault().asInt() != (Integer) def) {
                    drift.add(f.path() + " default " + p.getDefault() + " != " + def);
                }
            }
            if (s.type() instanceof ValueType.EnumType t) {
                List<String> values = p.getEnum() != null && !p.getEnum().isEmpty() ? p.getEnum().stream().map(j -> j.asText()).sorted().toList()
                        : jgunicornRuleValues(f.name());
                if (!values.equals(t.allowed().stream().sorted().toList())) drift.add(f.path() + " enum " + values + " != " + t.allowed());
                if (!p.getDefault().asText().equals(s.defaultValue(NO_ENV))) drift.add(f.path() + " default differs");
            }
            if (!p.getDescription().contains("setting " + s.name())) drift.add(f.path() + " description does not name setting " + s.name());
        }
        // The log levels are Gunicorn's five; the default is the setting's.
        assertEquals(List.of("critical", "debug", "error", "info", "warning"),
                props.get("logLevel").getEnum().stream().map(j -> j.asText()).sorted().toList());
        assertEquals(Settings.LOGLEVEL.defaultValue(NO_ENV), props.get("logLevel").getDefault().asText());
        assertTrue(drift.isEmpty(), String.join("\n", drift));
    }

    /**
     * A field whose values differ between servers (workerClass: Gunicorn's classes are not jgunicorn's) is free
     * text in the schema, held to the settings model for server jgunicorn by a CEL rule listing the values.
     */
    private static List<String> jgunicornRuleValues(String field) throws Exception {
        String marker = "self." + field + " in [";
        for (var v : GeneratedCrd.spec().getXKubernetesValidations()) {
            String rule = v.getRule();
            int at = rule.indexOf(marker);
            if (at < 0 || !rule.contains("self.server == 'gunicorn') ||")) continue;
            String list = rule.substring(at + marker.length(), rule.indexOf(']', at));
            return java.util.Arrays.stream(list.split(",")).map(x -> x.strip().replace("'", "")).sorted().toList();
        }
        return List.of();
    }

    /** workers and port are not rendered settings (replicas; bind is 0.0.0.0:port) but keep the settings' defaults. */
    @Test
    void workersAndPortDefaultLikeTheSettingsTheyReplace() throws Exception {
        Map<String, JSONSchemaProps> props = GeneratedCrd.spec().getProperties();
        int workers = Settings.WORKERS.defaultValue(NO_ENV);
        assertEquals(workers, GunicornServerSpec.DEFAULT_WORKERS);
        assertEquals(workers, props.get("workers").getDefault().asInt());

        String bind = Settings.BIND.defaultValue(NO_ENV).get(0);
        int port = Integer.parseInt(bind.substring(bind.lastIndexOf(':') + 1));
        assertEquals(port, GunicornServerSpec.DEFAULT_PORT);
        assertEquals(port, props.get("port").getDefault().asInt());
    }
}
