package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.settings.Setting;
import dev.jgunicorn.settings.Settings;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which spec field stands for which jgunicorn setting. The renderer writes these into gunicorn.conf.py, the
 * settings-map check refuses them as map keys (pointing at the field), and SettingsAlignmentTest holds the CRD's
 * ranges, defaults and enums to the settings model through this table.
 */
public final class SpecSettings {
    private SpecSettings() {
    }

    /** One spec field backed by one setting; {@code value} gives the field's value as a config-file value. */
    public record Field(String name, Setting<?> setting, Function<GunicornServerSpec, Object> value) {
        public String path() {
            return "spec." + name;
        }
    }

    /** Fields rendered as {@code setting = value} in the order they appear in the file. */
    public static final List<Field> RENDERED = List.of(
            new Field("workerClass", Settings.WORKER_CLASS, s -> s.getWorkerClass() == null ? null : s.getWorkerClass().settingValue()),
            new Field("threads", Settings.THREADS, GunicornServerSpec::getThreads),
            new Field("workerConnections", Settings.WORKER_CONNECTIONS, GunicornServerSpec::getWorkerConnections),
            new Field("timeout", Settings.TIMEOUT, GunicornServerSpec::getTimeout),
            new Field("gracefulTimeout", Settings.GRACEFUL_TIMEOUT, GunicornServerSpec::getGracefulTimeout),
            new Field("keepAlive", Settings.KEEPALIVE, GunicornServerSpec::getKeepAlive),
            new Field("limitRequestLine", Settings.LIMIT_REQUEST_LINE, GunicornServerSpec::getLimitRequestLine),
            new Field("limitRequestFields", Settings.LIMIT_REQUEST_FIELDS, GunicornServerSpec::getLimitRequestFields),
            new Field("limitRequestFieldSize", Settings.LIMIT_REQUEST_FIELD_SIZE, GunicornServerSpec::getLimitRequestFieldSize),
            new Field("maxRequests", Settings.MAX_REQUESTS, GunicornServerSpec::getMaxRequests),
            new Field("maxRequestsJitter", Settings.MAX_REQUESTS_JITTER, GunicornServerSpec::getMaxRequestsJitter),
            new Field("accessLog", Settings.ACCESSLOG, s -> Boolean.FALSE.equals(s.getAccessLog()) ? null : "-"),
            new Field("accessLogFormat", Settings.ACCESS_LOG_FORMAT, GunicornServerSpec::getAccessLogFormat),
            new Field("logLevel", Settings.LOGLEVEL, s -> s.getLogLevel() == null ? null : s.getLogLevel().settingValue()));

    /**
     * Settings the operator sets itself or that would break the pod contract, with what to use instead.
     * Spec fields (workers, port, adminPort, app) come first; the rest cannot work in a one-worker pod.
     */
    public static final Map<String, String> MANAGED = Map.ofEntries(
            Map.entry("workers", "use spec.workers (one pod per worker)"),
            Map.entry("bind", "use spec.port (the operator binds 0.0.0.0:<port>)"),
            Map.entry("admin_bind", "use spec.adminPort (the operator binds 0.0.0.0:<adminPort>)"),
            Map.entry("wsgi_app", "use spec.app"),
            Map.entry("no_master", "every pod runs a master and one worker, which the master replaces when it recycles, times out or crashes"),
            Map.entry("jvm_args", "set the worker JVM's options with env JAVA_OPTS (the image's launcher passes them as --jvm-arg)"),
            Map.entry("config", "the operator mounts the rendered gunicorn.conf.py and passes -c"),
            Map.entry("daemon", "the master must stay in the foreground as the container's main process"),
            Map.entry("user", "the pod's securityContext chooses the user"),
            Map.entry("group", "the pod's securityContext chooses the group"),
            Map.entry("initgroups", "the pod's securityContext chooses the groups"),
            Map.entry("check_config", "it makes the worker exit after checking; run jgunicorn --check-config outside the cluster"),
            Map.entry("print_config", "it makes the worker exit after printing; run jgunicorn --print-config outside the cluster"));

    /** The spec field a settings-map key duplicates, if any. */
    public static Optional<Field> fieldFor(String settingName) {
        return RENDERED.stream().filter(f -> f.setting().name().equals(settingName)).findFirst();
    }
}
