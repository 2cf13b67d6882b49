package dev.jgunicorn.operator.desired;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServerSpec;
import dev.jgunicorn.settings.Setting;
import dev.jgunicorn.settings.Settings;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
            new Field("workerClass", Settings.WORKER_CLASS, GunicornServerSpec::getWorkerClass),
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

    /**
     * With server gunicorn: settings the operator sets itself in the rendered file, or that would break the pod
     * contract, with what to use instead. (Those refused on the JVM, like preload_app, are Gunicorn's own and fine.)
     */
    public static final Map<String, String> MANAGED_FOR_GUNICORN = Map.ofEntries(
            Map.entry("workers", MANAGED.get("workers")),
            Map.entry("bind", MANAGED.get("bind")),
            Map.entry("wsgi_app", MANAGED.get("wsgi_app")),
            Map.entry("config", "the operator mounts the rendered gunicorn.conf.py and passes -c; name your own file with spec.configFile"),
            Map.entry("daemon", "Gunicorn's master must stay in the foreground as the container's main process"),
            Map.entry("user", MANAGED.get("user")),
            Map.entry("group", MANAGED.get("group")),
            Map.entry("initgroups", MANAGED.get("initgroups")),
            Map.entry("check_config", "it makes Gunicorn exit after checking; run gunicorn --check-config outside the cluster"),
            Map.entry("print_config", "it makes Gunicorn exit after printing; run gunicorn --print-config outside the cluster"),
            Map.entry("pidfile", "the jgunicorn sidecar reads Gunicorn's pidfile at " + GunicornPod.PIDFILE + " for /healthz"),
            Map.entry("statsd_host", "Gunicorn sends statsd to the jgunicorn sidecar at " + GunicornPod.STATSD_HOST
                    + ", which serves it as Prometheus metrics on spec.adminPort"));

    /**
     * With server gunicorn: what to do instead of a jgunicorn-only setting ({@link Setting#jgunicornOnly()}, which
     * Gunicorn would ignore silently in a config file), where the refusal can say more than that.
     */
    public static final Map<String, String> INSTEAD_WITH_GUNICORN = Map.ofEntries(
            Map.entry("admin_bind", "use spec.adminPort (the sidecar serves /metrics, /healthz and /readyz there)"),
            Map.entry("no_master", "Gunicorn always runs a master"),
            Map.entry("jvm_args", "the app is not on a JVM"),
            Map.entry("classpath", "the app is not on a JVM; Python finds it through the image (pythonpath, chdir)"),
            Map.entry("hooks", "Gunicorn's hooks are Python functions: define them in spec.configFile"),
            Map.entry("io_threads", "Gunicorn has no separate I/O threads"),
            Map.entry("header_timeout", "Gunicorn has no request-head deadline"),
            Map.entry("body_timeout", "Gunicorn has no request-body deadline"),
            Map.entry("body_min_rate", "Gunicorn has no request-body rate limit"),
            Map.entry("eventloop_body_buffer", "Gunicorn has no eventloop worker that buffers bodies"),
            Map.entry("eventloop_max_body", "Gunicorn has no eventloop worker that buffers bodies"),
            Map.entry("require_host", "Gunicorn does not check the Host header"));

    /** Gunicorn's hooks (and ssl_context): Python functions, which a resource's YAML cannot hold. */
    public static final Set<String> GUNICORN_FUNCTIONS = Set.of("on_starting", "on_reload", "when_ready", "pre_fork",
            "post_fork", "post_worker_init", "worker_int", "worker_abort", "pre_exec", "pre_request", "post_request",
            "child_exit", "worker_exit", "nworkers_changed", "on_exit", "ssl_context", "on_dirty_starting",
            "dirty_post_fork", "dirty_worker_init", "dirty_worker_exit");

    /** Lists Gunicorn's config file takes only as one comma-separated string (its validator refuses a list). */
    public static final Set<String> GUNICORN_COMMA_SEPARATED = Set.of("forwarded_allow_ips", "proxy_allow_ips",
            "uwsgi_allow_ips", "forwarder_headers", "http_protocols");

    /** jgunicorn's Java worker classes, which Gunicorn does not have. */
    public static final Map<String, String> JAVA_WORKER_CLASSES = Map.of(
            "virtual", "a virtual thread per request is jgunicorn's; with Gunicorn use gthread, gevent or eventlet",
            "eventloop", "handlers on Netty's event loop are jgunicorn's; with Gunicorn use an async class (gevent, eventlet, uvicorn_worker.UvicornWorker)");

    /** The spec field a settings-map key duplicates, if any. */
    public static Optional<Field> fieldFor(String settingName) {
        return RENDERED.stream().filter(f -> f.setting().name().equals(settingName)).findFirst();
    }
}
