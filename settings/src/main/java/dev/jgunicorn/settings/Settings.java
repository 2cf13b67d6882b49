package dev.jgunicorn.settings;

import dev.jgunicorn.settings.python.Py;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting jgunicorn knows, defined once: the 119 settings of Gunicorn 26.1 ({@code gunicorn/config.py})
 * with Gunicorn's names, flags, defaults and validation, followed by the few JVM-only ones.
 * {@link #ALL} is in Gunicorn's order: sections as they first appear in its config.py, settings in file order
 * within a section. The CLI, the config-file reader, --print-config and docs/settings.md are derived from it.
 */
public final class Settings {
    private Settings() {
    }

    /** Filled in declaration order by {@link #add}; must stay above the first setting. */
    private static final List<Setting<?>> TABLE = new ArrayList<>();

    private static final String ASGI_REFUSAL = "ASGI is Python's async application protocol and jgunicorn serves"
            + " HttpHandler apps; for non-blocking serving choose --worker-class eventloop or virtual instead";
    private static final String PASTE_REFUSAL = "PasteDeploy ini files load Python apps only; name the app as APP"
            + " (e.g. com.example.App:handler) or with wsgi_app instead";
    private static final String DICTCONFIG_REFUSAL = "this is Python's logging.dictConfig schema; use --log-config"
            + " with a Logback XML file instead";
    private static final String HOOK_REFUSAL = "server hooks are Python callables run inside Gunicorn's processes;"
            + " name a Java class implementing dev.jgunicorn.hooks.ServerHooks with the hooks setting (--hooks) instead";
    private static final String DIRTY_REFUSAL = "dirty arbiters host Python DirtyApp classes in a separate process"
            + " pool; run blocking jobs in an executor inside your app instead";

    private static final List<String> LOOPBACK = List.of("127.0.0.1", "::1");

    // ---- Config File ----------------------------------------------------------------------------

    public static final Setting<String> CONFIG = add(Setting.setting("config", Section.CONFIG_FILE, ValueType.string())
            .flags("-c", "--config")
            .metavar("CONFIG")
            .defaultValue("./gunicorn.conf.py")
            .help("The config file to read, as PATH or file:PATH, written in Gunicorn's config-file syntax;"
                    + " without it ./gunicorn.conf.py is read if present. Only honoured on the command line"
                    + " or in GUNICORN_CMD_ARGS."));

    public static final Setting<String> WSGI_APP = add(Setting.setting("wsgi_app", Section.CONFIG_FILE, ValueType.string())
            .help("The app to serve when no APP argument is given on the command line, written like APP:"
                    + " a class (com.example.App) or class:member (com.example.App:handler)."));

    // ---- Server Socket --------------------------------------------------------------------------

    public static final Setting<List<String>> BIND = add(Setting.setting("bind", Section.SERVER_SOCKET, ValueType.repeated())
            .flags("-b", "--bind")
            .metavar("ADDRESS")
            .defaultFrom(env -> env.containsKey("PORT") ? List.of("0.0.0.0:" + env.get("PORT")) : List.of("127.0.0.1:8000"),
                    "['127.0.0.1:8000'], or ['0.0.0.0:$PORT'] when PORT is set")
            .help("An address to listen on: HOST:PORT, [IPv6]:PORT or unix:PATH (port 8000 when omitted); repeat"
                    + " the flag to listen on several. A value from a later source replaces the whole list."));

    public static final Setting<Integer> BACKLOG = add(Setting.setting("backlog", Section.SERVER_SOCKET, ValueType.nonNegative())
            .flags("--backlog")
            .metavar("INT")
            .defaultValue(2048)
            .help("How many connections may wait to be accepted; the kernel caps it at net.core.somaxconn."));

    // ---- Worker Processes -----------------------------------------------------------------------

    public static final Setting<Integer> WORKERS = add(Setting.setting("workers", Section.WORKER_PROCESSES, ValueType.countOrAuto())
            .flags("-w", "--workers")
            .metavar("INT")
            .defaultFrom(env -> fromEnv(env, "workers", "WEB_CONCURRENCY", ValueType.countOrAuto(), 1),
                    "$WEB_CONCURRENCY or 1")
            .help("How many worker JVMs the master keeps running; each one serves the app on its own. auto sizes it"
                    + " from the container's cgroup limits: 2 x CPUs + 1, capped so the workers fit in 80% of the"
                    + " memory limit (jgunicorn's addition, Gunicorn #2877)."));

    public static final Setting<String> WORKER_CLASS = add(Setting.setting("worker_class", Section.WORKER_PROCESSES,
                    ValueType.oneOf("sync", "gthread", "virtual", "eventloop", "gevent"))
            .flags("-k", "--worker-class")
            .metavar("STRING")
            .defaultValue("sync")
            .help("How a worker runs requests: sync (one at a time), gthread (a pool of --threads threads),"
                    + " virtual (a virtual thread per request; gevent is accepted as its alias so existing configs work)"
                    + " or eventloop (handlers on Netty's event loop; they must not block). As in Gunicorn, sync with"
                    + " --threads above 1 becomes gthread."));

    public static final Setting<Integer> THREADS = add(Setting.setting("threads", Section.WORKER_PROCESSES, ValueType.nonNegative())
            .flags("--threads")
            .metavar("INT")
            .defaultValue(1)
            .help("Size of each worker's request thread pool for gthread; for virtual, the carrier threads that run"
                    + " its virtual threads (one, like a gevent worker's single hub, unless raised); more than 1 with"
                    + " sync switches to gthread."));

    public static final Setting<Integer> WORKER_CONNECTIONS = add(Setting.setting("worker_connections", Section.WORKER_PROCESSES,
                    ValueType.nonNegative())
            .flags("--worker-connections")
            .metavar("INT")
            .defaultValue(1000)
            .help("The most connections one worker holds open at once (gthread, virtual and eventloop). At the cap"
                    + " a new client takes the place of the connection that has waited longest with nothing read"
                    + " (one that has sent no byte for 500 ms first, then an idle keep-alive one); when none can make"
                    + " room, the worker stops accepting and new clients wait in the listen queue until one can."));

    public static final Setting<Integer> MAX_REQUESTS = add(Setting.setting("max_requests", Section.WORKER_PROCESSES,
                    ValueType.nonNegative())
            .flags("--max-requests")
            .metavar("INT")
            .defaultValue(0)
            .help("A worker finishes its current request and exits after this many requests, and the master"
                    + " starts a fresh one (a guard against leaks); 0 turns it off."));

    public static final Setting<Integer> MAX_REQUESTS_JITTER = add(Setting.setting("max_requests_jitter", Section.WORKER_PROCESSES,
                    ValueType.nonNegative())
            .flags("--max-requests-jitter")
            .metavar("INT")
            .defaultValue(0)
            .help("Each worker adds a random 0 to N to max_requests, so workers do not all restart at once."));

    public static final Setting<Integer> TIMEOUT = add(Setting.setting("timeout", Section.WORKER_PROCESSES, ValueType.nonNegative())
            .flags("-t", "--timeout")
            .metavar("INT")
            .defaultValue(30)
            .help("Seconds a worker may stay silent (no heartbeat) before the master kills and replaces it;"
                    + " 0 disables the check."));

    public static final Setting<Integer> GRACEFUL_TIMEOUT = add(Setting.setting("graceful_timeout", Section.WORKER_PROCESSES,
                    ValueType.nonNegative())
            .flags("--graceful-timeout")
            .metavar("INT")
            .defaultValue(30)
            .help("Seconds workers get to finish in-flight requests after a stop or restart before they are killed."));

    public static final Setting<Integer> KEEPALIVE = add(Setting.setting("keepalive", Section.WORKER_PROCESSES, ValueType.nonNegative())
            .flags("--keep-alive")
            .metavar("INT")
            .defaultValue(2)
            .help("Seconds an idle persistent connection is kept open waiting for the next request; 0 turns"
                    + " keep-alive off. The sync worker always closes after one request."));

    public static final Setting<String> ASGI_LOOP = add(Setting.setting("asgi_loop", Section.WORKER_PROCESSES,
                    ValueType.oneOf("auto", "asyncio", "uvloop"))
            .flags("--asgi-loop")
            .metavar("STRING")
            .defaultValue("auto")
            .help("In Gunicorn, the Python event loop (asyncio or uvloop) its ASGI worker runs on.")
            .refused(ASGI_REFUSAL));

    public static final Setting<String> ASGI_LIFESPAN = add(Setting.setting("asgi_lifespan", Section.WORKER_PROCESSES,
                    ValueType.oneOf("auto", "on", "off"))
            .flags("--asgi-lifespan")
            .metavar("STRING")
            .defaultValue("auto")
            .help("In Gunicorn, whether its ASGI worker runs the ASGI lifespan startup and shutdown events.")
            .refused(ASGI_REFUSAL));

    public static final Setting<Integer> ASGI_DISCONNECT_GRACE_PERIOD = add(Setting.setting("asgi_disconnect_grace_period",
                    Section.WORKER_PROCESSES, ValueType.nonNegative())
            .flags("--asgi-disconnect-grace-period")
            .metavar("INT")
            .defaultValue(3)
            .help("In Gunicorn, seconds an ASGI app may keep running after the client disconnected before"
                    + " its task is cancelled.")
            .refused(ASGI_REFUSAL));

    public static final Setting<Integer> WEBSOCKET_MAX_MESSAGE_SIZE = add(Setting.setting("websocket_max_message_size",
                    Section.WORKER_PROCESSES, ValueType.nonNegative())
            .flags("--websocket-max-message-size")
            .metavar("INT")
            .defaultValue(16777216)
            .help("In Gunicorn, the largest WebSocket message in bytes its ASGI worker holds for the app (0 = no limit).")
            .refused(ASGI_REFUSAL));

    public static final Setting<String> HTTP_PARSER = add(Setting.setting("http_parser", Section.WORKER_PROCESSES,
                    ValueType.oneOf("auto", "fast", "python"))
            .flags("--http-parser")
            .metavar("STRING")
            .defaultValue("auto")
            .help("Gunicorn's choice between its C and pure-Python HTTP/1 parsers. jgunicorn has one strict"
                    + " parser, and every value selects it."));

    // ---- Security -------------------------------------------------------------------------------

    public static final Setting<Integer> LIMIT_REQUEST_LINE = add(Setting.setting("limit_request_line", Section.SECURITY,
                    ValueType.nonNegative())
            .flags("--limit-request-line")
            .metavar("INT")
            .defaultValue(4094)
            .help("Longest request line (method, target and version) in bytes; longer ones get 400. 0 means no"
                    + " limit, and values of 8190 or more are treated as 8190, as in Gunicorn."));

    public static final Setting<Integer> LIMIT_REQUEST_FIELDS = add(Setting.setting("limit_request_fields", Section.SECURITY,
                    ValueType.nonNegative())
            .flags("--limit-request-fields")
            .metavar("INT")
            .defaultValue(100)
            .help("Most header fields one request may carry; more get 431. 0 or anything above 32768 means 32768."));

    public static final Setting<Integer> LIMIT_REQUEST_FIELD_SIZE = add(Setting.setting("limit_request_field_size", Section.SECURITY,
                    ValueType.nonNegative())
            .flags("--limit-request-field_size")
            .metavar("INT")
            .defaultValue(8190)
            .help("Longest single header line in bytes (name, value and any folded continuation); longer gets 431."
                    + " 0 falls back to 8190, as in Gunicorn; note the flag's underscore, kept from Gunicorn."));

    // ---- Debugging ------------------------------------------------------------------------------

    public static final Setting<Boolean> RELOAD = add(Setting.setting("reload", Section.DEBUGGING, ValueType.bool())
            .flags("--reload")
            .switchStoring(true)
            .defaultValue(false)
            .help("Development mode: restart the workers when a watched file changes: the --classpath jars and class"
                    + " directories, the config file and --reload-extra-file entries. Not combinable with --preload."));

    public static final Setting<String> RELOAD_ENGINE = add(Setting.setting("reload_engine", Section.DEBUGGING,
                    ValueType.oneOf("auto", "poll", "inotify"))
            .flags("--reload-engine")
            .metavar("STRING")
            .defaultValue("auto")
            .help("How --reload notices changed files: poll (size, time and inode once a second), inotify (directory"
                    + " events), or auto (polling, which also sees changes on network and bind mounts)."));

    public static final Setting<List<String>> RELOAD_EXTRA_FILES = add(Setting.setting("reload_extra_files", Section.DEBUGGING,
                    ValueType.repeated())
            .flags("--reload-extra-file")
            .metavar("FILES")
            .defaultValue(List.of())
            .help("A further file or glob pattern whose change triggers a --reload; repeat the flag for several."
                    + " Literal paths must exist; globs are expanded again on every check."));

    public static final Setting<Boolean> SPEW = add(Setting.setting("spew", Section.DEBUGGING, ValueType.bool())
            .flags("--spew")
            .switchStoring(true)
            .defaultValue(false)
            .help("In Gunicorn, installs a Python trace function that prints every line the server executes.")
            .refused("it is a Python line tracer with no JVM counterpart; use Java Flight Recorder"
                    + " (--jvm-arg=-XX:StartFlightRecording) or a Java agent instead"));

    public static final Setting<Boolean> CHECK_CONFIG = add(Setting.setting("check_config", Section.DEBUGGING, ValueType.bool())
            .flags("--check-config")
            .switchStoring(true)
            .defaultValue(false)
            .help("Load the configuration and the app, then exit: 0 if both are fine, 1 otherwise."));

    public static final Setting<Boolean> PRINT_CONFIG = add(Setting.setting("print_config", Section.DEBUGGING, ValueType.bool())
            .flags("--print-config")
            .switchStoring(true)
            .defaultValue(false)
            .help("Print every resolved setting, then check the configuration like --check-config."));

    // ---- Server Mechanics -----------------------------------------------------------------------

    public static final Setting<Boolean> PRELOAD_APP = add(Setting.setting("preload_app", Section.SERVER_MECHANICS, ValueType.bool())
            .flags("--preload")
            .switchStoring(true)
            .defaultValue(false)
            .help("Load the app in the master before the workers start, so a broken app fails the start at once, and"
                    + " let the first workers wait for the class-data archive (the AOT cache on JDK 25) that a short"
                    + " training run makes, so they boot faster and share class metadata (the JVM's counterpart of"
                    + " copy-on-write after fork). Without it no training run starts; workers use an archive an"
                    + " earlier --preload run of the same app made."));

    public static final Setting<Boolean> SENDFILE = add(Setting.setting("sendfile", Section.SERVER_MECHANICS,
                    ValueType.orNone(ValueType.bool()))
            .flags("--no-sendfile")
            .switchStoring(false)
            .defaultFrom(env -> null, "None (Gunicorn then reads $SENDFILE, else uses sendfile)")
            .help("In Gunicorn, turns off the zero-copy sendfile() path for file responses; any explicit value,"
                    + " even True, turns it off.")
            .refused("HttpExchange apps write their responses to an OutputStream, so there is no file-response"
                    + " path to switch; leave it unset"));

    public static final Setting<Boolean> REUSE_PORT = add(Setting.setting("reuse_port", Section.SERVER_MECHANICS, ValueType.bool())
            .flags("--reuse-port")
            .switchStoring(true)
            .defaultValue(false)
            .help("Set SO_REUSEPORT so each worker binds its own listening socket and the kernel spreads"
                    + " connections across them."));

    public static final Setting<String> CHDIR = add(Setting.setting("chdir", Section.SERVER_MECHANICS, ValueType.string())
            .flags("--chdir")
            .metavar("CHDIR")
            .defaultFrom(env -> System.getProperty("user.dir"), "the directory jgunicorn was started in")
            .help("Directory to change into before the config file is looked up and the app is loaded;"
                    + " it must exist."));

    public static final Setting<Boolean> DAEMON = add(Setting.setting("daemon", Section.SERVER_MECHANICS, ValueType.bool())
            .flags("-D", "--daemon")
            .switchStoring(true)
            .defaultValue(false)
            .help("Detach from the terminal and run in the background (the master starts itself again in a new"
                    + " session; stdio goes to /dev/null unless --enable-stdio-inheritance). WINCH then stops all workers"
                    + " and keeps the master."));

    public static final Setting<List<String>> RAW_ENV = add(Setting.setting("raw_env", Section.SERVER_MECHANICS, ValueType.repeated())
            .flags("-e", "--env")
            .metavar("ENV")
            .defaultValue(List.of())
            .help("An environment variable for the workers, as KEY=VALUE; repeat the flag for several."));

    public static final Setting<String> PIDFILE = add(Setting.setting("pidfile", Section.SERVER_MECHANICS, ValueType.string())
            .flags("-p", "--pid")
            .metavar("FILE")
            .help("Write the master's process id to this file, and remove it on exit."));

    public static final Setting<String> WORKER_TMP_DIR = add(Setting.setting("worker_tmp_dir", Section.SERVER_MECHANICS,
                    ValueType.string())
            .flags("--worker-tmp-dir")
            .metavar("DIR")
            .help("In Gunicorn, the directory of the files each worker touches as its heartbeat.")
            .refused("jgunicorn's worker heartbeat does not use temp files, so there is no directory to choose;"
                    + " leave it unset"));

    public static final Setting<String> USER = add(Setting.setting("user", Section.SERVER_MECHANICS, ValueType.nameOrNumber())
            .flags("-u", "--user")
            .metavar("USER")
            .defaultFrom(env -> null, "the user jgunicorn runs as")
            .help("User name or uid the workers run as (the master starts them through setpriv; it must run as root"
                    + " to switch). The master itself keeps its user, as in Gunicorn."));

    public static final Setting<String> GROUP = add(Setting.setting("group", Section.SERVER_MECHANICS, ValueType.nameOrNumber())
            .flags("-g", "--group")
            .metavar("GROUP")
            .defaultFrom(env -> null, "the group jgunicorn runs as")
            .help("Group name or gid the workers run as (through setpriv, like --user)."));

    public static final Setting<Integer> UMASK = add(Setting.setting("umask", Section.SERVER_MECHANICS,
                    ValueType.anyBase(0, Integer.MAX_VALUE))
            .flags("-m", "--umask")
            .metavar("INT")
            .defaultValue(0)
            .help("File-mode mask for files jgunicorn creates: unix socket files of --bind get mode 0777 & ~umask, and"
                    + " workers start with this umask; a leading 0 means octal (022)."));

    public static final Setting<Boolean> INITGROUPS = add(Setting.setting("initgroups", Section.SERVER_MECHANICS, ValueType.bool())
            .flags("--initgroups")
            .switchStoring(true)
            .defaultValue(false)
            .help("When switching user, also take on that user's supplementary groups."));

    public static final Setting<String> TMP_UPLOAD_DIR = add(Setting.setting("tmp_upload_dir", Section.SERVER_MECHANICS,
                    ValueType.string())
            .help("In Gunicorn, a legacy directory for spooling request bodies that nothing reads any more.")
            .refused("it is inert even in Gunicorn; jgunicorn streams request bodies to the app and spools nothing"));

    public static final Setting<Map<String, String>> SECURE_SCHEME_HEADERS = add(Setting.setting("secure_scheme_headers",
                    Section.SERVER_MECHANICS, ValueType.dict())
            .defaultValue(ordered("X-FORWARDED-PROTOCOL", "ssl", "X-FORWARDED-PROTO", "https", "X-FORWARDED-SSL", "on"))
            .help("Headers, with upper-case names, and the values by which a trusted proxy says the client used"
                    + " HTTPS; if two of them disagree the request gets 400."));

    public static final Setting<List<String>> FORWARDED_ALLOW_IPS = add(Setting.setting("forwarded_allow_ips",
                    Section.SERVER_MECHANICS, ValueType.addressList())
            .flags("--forwarded-allow-ips")
            .metavar("STRING")
            .defaultFrom(env -> env.containsKey("FORWARDED_ALLOW_IPS")
                            ? fromEnv(env, "forwarded_allow_ips", "FORWARDED_ALLOW_IPS", ValueType.addressList(), null)
                            : LOOPBACK,
                    "$FORWARDED_ALLOW_IPS or ['127.0.0.1', '::1']")
            .help("Comma-separated addresses or networks of proxies trusted to set the scheme and forwarder"
                    + " headers, or * for any; unix-socket peers are always trusted."));

    public static final Setting<String> PYTHONPATH = add(Setting.setting("pythonpath", Section.SERVER_MECHANICS, ValueType.string())
            .flags("--pythonpath")
            .metavar("STRING")
            .help("In Gunicorn, comma-separated directories put on sys.path before the app is imported.")
            .refused("there is no Python path on the JVM; use --classpath to add directories and jars instead"));

    public static final Setting<String> PASTE = add(Setting.setting("paste", Section.SERVER_MECHANICS, ValueType.string())
            .flags("--paste", "--paster")
            .metavar("STRING")
            .help("In Gunicorn, loads the app from a PasteDeploy ini file (file.ini or file.ini#section).")
            .refused(PASTE_REFUSAL));

    public static final Setting<String> PROXY_PROTOCOL = add(Setting.setting("proxy_protocol", Section.SERVER_MECHANICS,
                    ValueType.oneOf(List.of("off", "v1", "v2", "auto"),
                            Map.of("false", "off", "0", "off", "none", "off", "true", "auto", "1", "auto")))
            .flags("--proxy-protocol")
            .metavar("MODE")
            .defaultValue("off")
            .help("Expect a HAProxy PROXY header (v1 text, v2 binary, or auto for either) at the start of each"
                    + " connection, and take the client address from it."));

    public static final Setting<List<String>> PROXY_ALLOW_IPS = add(Setting.setting("proxy_allow_ips", Section.SERVER_MECHANICS,
                    ValueType.addressList())
            .flags("--proxy-allow-from")
            .metavar("PROXY_ALLOW_IPS")
            .defaultValue(LOOPBACK)
            .help("Comma-separated addresses or networks allowed to send a PROXY header, or * for any;"
                    + " others get 403."));

    public static final Setting<String> PROTOCOL = add(Setting.setting("protocol", Section.SERVER_MECHANICS,
                    ValueType.oneOf("http", "uwsgi"))
            .flags("--protocol")
            .metavar("STRING")
            .defaultValue("http")
            .help("Wire protocol spoken on the listeners. Only http is served: jgunicorn does not implement"
                    + " uWSGI and refuses to start with protocol uwsgi."));

    public static final Setting<List<String>> UWSGI_ALLOW_IPS = add(Setting.setting("uwsgi_allow_ips", Section.SERVER_MECHANICS,
                    ValueType.addressList())
            .flags("--uwsgi-allow-from")
            .metavar("UWSGI_ALLOW_IPS")
            .defaultValue(LOOPBACK)
            .help("In Gunicorn, the peers allowed to speak the uWSGI protocol.")
            .refused("the uWSGI protocol is not implemented; put an HTTP reverse proxy in front and trust it"
                    + " with forwarded_allow_ips instead"));

    public static final Setting<List<String>> RAW_PASTE_GLOBAL_CONF = add(Setting.setting("raw_paste_global_conf",
                    Section.SERVER_MECHANICS, ValueType.repeated())
            .flags("--paste-global")
            .metavar("CONF")
            .defaultValue(List.of())
            .help("In Gunicorn, KEY=VALUE global variables handed to a PasteDeploy app.")
            .refused(PASTE_REFUSAL));

    public static final Setting<Boolean> PERMIT_OBSOLETE_FOLDING = add(Setting.setting("permit_obsolete_folding",
                    Section.SERVER_MECHANICS, ValueType.bool())
            .flags("--permit-obsolete-folding")
            .switchStoring(true)
            .defaultValue(false)
            .help("Accept obsolete header line folding (continuation lines) instead of answering 400."));

    public static final Setting<Boolean> STRIP_HEADER_SPACES = add(Setting.setting("strip_header_spaces", Section.SERVER_MECHANICS,
                    ValueType.bool())
            .flags("--strip-header-spaces")
            .switchStoring(true)
            .defaultValue(false)
            .help("Accept whitespace between a header name and its colon. Deprecated and unsafe: it enables"
                    + " request smuggling."));

    public static final Setting<Boolean> PERMIT_UNCONVENTIONAL_HTTP_METHOD = add(Setting.setting(
                    "permit_unconventional_http_method", Section.SERVER_MECHANICS, ValueType.bool())
            .flags("--permit-unconventional-http-method")
            .switchStoring(true)
            .defaultValue(false)
            .help("Accept methods shorter than 3 or longer than 20 characters, or with lower case or #;"
                    + " they must still be valid tokens."));

    public static final Setting<Boolean> PERMIT_UNCONVENTIONAL_HTTP_VERSION = add(Setting.setting(
                    "permit_unconventional_http_version", Section.SERVER_MECHANICS, ValueType.bool())
            .flags("--permit-unconventional-http-version")
            .switchStoring(true)
            .defaultValue(false)
            .help("Accept HTTP versions outside HTTP/1.x (e.g. HTTP/2.0 over HTTP/1 framing), as long as they look like "
                    + "HTTP/d.d. HTTP/1.0 to HTTP/1.9 are always accepted, as in Gunicorn."));

    public static final Setting<Boolean> CASEFOLD_HTTP_METHOD = add(Setting.setting("casefold_http_method", Section.SERVER_MECHANICS,
                    ValueType.bool())
            .flags("--casefold-http-method")
            .switchStoring(true)
            .defaultValue(false)
            .help("Upper-case the request method before the app sees it (deprecated old behaviour)."));

    public static final Setting<List<String>> FORWARDER_HEADERS = add(Setting.setting("forwarder_headers", Section.SERVER_MECHANICS,
                    ValueType.commaList())
            .flags("--forwarder-headers")
            .metavar("FORWARDER_HEADERS")
            .defaultValue(List.of("SCRIPT_NAME", "PATH_INFO"))
            .help("Comma-separated header names containing underscores that a trusted proxy may send and that"
                    + " reach the app despite header_map."));

    public static final Setting<String> HEADER_MAP = add(Setting.setting("header_map", Section.SERVER_MECHANICS,
                    ValueType.oneOf("drop", "refuse", "dangerous"))
            .flags("--header-map")
            .metavar("HEADER_MAP")
            .defaultValue("drop")
            .help("What to do with header names containing an underscore: drop them silently, refuse the request"
                    + " with 400, or pass them on (dangerous: X_Forwarded_For could pose as X-Forwarded-For)."));

    public static final Setting<String> ROOT_PATH = add(Setting.setting("root_path", Section.SERVER_MECHANICS, ValueType.string())
            .flags("--root-path")
            .metavar("STRING")
            .defaultValue("")
            .help("In Gunicorn, the mount prefix its ASGI worker puts into each request's scope.")
            .refused("only the ASGI worker reads it; set a mount prefix through your app's HttpContext path or"
                    + " the reverse proxy instead"));

    // ---- Logging --------------------------------------------------------------------------------

    public static final Setting<String> ACCESSLOG = add(Setting.setting("accesslog", Section.LOGGING, ValueType.string())
            .flags("--access-logfile")
            .metavar("FILE")
            .help("Where to write one line per request: a file, or - for stdout. Unset means no access log."));

    public static final Setting<Boolean> DISABLE_REDIRECT_ACCESS_TO_SYSLOG = add(Setting.setting(
                    "disable_redirect_access_to_syslog", Section.LOGGING, ValueType.bool())
            .flags("--disable-redirect-access-to-syslog")
            .switchStoring(true)
            .defaultValue(false)
            .help("With syslog on, keep access log lines out of syslog."));

    public static final Setting<String> ACCESS_LOG_FORMAT = add(Setting.setting("access_log_format", Section.LOGGING,
                    ValueType.string())
            .flags("--access-logformat")
            .metavar("STRING")
            .defaultValue("%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"")
            .help("Template of an access log line, with Gunicorn's atoms such as %(h)s (client) and %(s)s (status);"
                    + " write %% for a literal percent sign."));

    public static final Setting<String> ERRORLOG = add(Setting.setting("errorlog", Section.LOGGING, ValueType.string())
            .flags("--error-logfile", "--log-file")
            .metavar("FILE")
            .defaultValue("-")
            .help("Where jgunicorn's own log goes: a file, or - for stderr."));

    public static final Setting<String> LOGLEVEL = add(Setting.setting("loglevel", Section.LOGGING, ValueType.string())
            .flags("--log-level")
            .metavar("LEVEL")
            .defaultValue("info")
            .help("Error log verbosity: debug, info, warning, error or critical; any other word means info,"
                    + " as in Gunicorn."));

    public static final Setting<Boolean> CAPTURE_OUTPUT = add(Setting.setting("capture_output", Section.LOGGING, ValueType.bool())
            .flags("--capture-output")
            .switchStoring(true)
            .defaultValue(false)
            .help("Send the workers' System.out and System.err into the error log file; only acts when errorlog"
                    + " is a file."));

    public static final Setting<String> LOGGER_CLASS = add(Setting.setting("logger_class", Section.LOGGING, ValueType.string())
            .flags("--logger-class")
            .metavar("STRING")
            .defaultValue("gunicorn.glogging.Logger")
            .help("In Gunicorn, the Python class that implements its logging.")
            .refused("it names a Python class; configure logging with --log-config and a Logback XML file instead"));

    public static final Setting<String> LOGCONFIG = add(Setting.setting("logconfig", Section.LOGGING, ValueType.string())
            .flags("--log-config")
            .metavar("FILE")
            .help("A Logback XML configuration file that takes over all logging (in Gunicorn, a Python fileConfig ini)."));

    public static final Setting<Map<String, String>> LOGCONFIG_DICT = add(Setting.setting("logconfig_dict", Section.LOGGING,
                    ValueType.dict())
            .defaultValue(Map.of())
            .help("In Gunicorn, a logging configuration given as a Python dict.")
            .refused(DICTCONFIG_REFUSAL));

    public static final Setting<String> LOGCONFIG_JSON = add(Setting.setting("logconfig_json", Section.LOGGING, ValueType.string())
            .flags("--log-config-json")
            .metavar("FILE")
            .help("In Gunicorn, a JSON file holding a logging configuration.")
            .refused(DICTCONFIG_REFUSAL));

    public static final Setting<String> SYSLOG_ADDR = add(Setting.setting("syslog_addr", Section.LOGGING, ValueType.string())
            .flags("--log-syslog-to")
            .metavar("SYSLOG_ADDR")
            .defaultFrom(env -> defaultSyslogAddr(),
                    "'udp://localhost:514' ('unix:///var/run/syslog' on macOS, 'unix:///var/run/log' on FreeBSD,"
                            + " 'unix:///dev/log' on OpenBSD)")
            .help("Where syslog records go: udp://HOST:PORT (Gunicorn also takes unix:// and tcp://, which jgunicorn"
                    + " refuses at start: use udp:// or --log-config with a Logback appender)."));

    public static final Setting<Boolean> SYSLOG = add(Setting.setting("syslog", Section.LOGGING, ValueType.bool())
            .flags("--log-syslog")
            .switchStoring(true)
            .defaultValue(false)
            .help("Also send the logs to syslog."));

    public static final Setting<String> SYSLOG_PREFIX = add(Setting.setting("syslog_prefix", Section.LOGGING, ValueType.string())
            .flags("--log-syslog-prefix")
            .metavar("SYSLOG_PREFIX")
            .help("Program name used in syslog entries."));

    public static final Setting<String> SYSLOG_FACILITY = add(Setting.setting("syslog_facility", Section.LOGGING, ValueType.string())
            .flags("--log-syslog-facility")
            .metavar("SYSLOG_FACILITY")
            .defaultValue("user")
            .help("Syslog facility name for the records."));

    public static final Setting<Boolean> ENABLE_STDIO_INHERITANCE = add(Setting.setting("enable_stdio_inheritance", Section.LOGGING,
                    ValueType.bool())
            .flags("-R", "--enable-stdio-inheritance")
            .switchStoring(true)
            .defaultValue(false)
            .help("Keep stdin, stdout and stderr attached when running as a daemon."));

    public static final Setting<String> STATSD_HOST = add(Setting.setting("statsd_host", Section.LOGGING, ValueType.string())
            .flags("--statsd-host")
            .metavar("STATSD_ADDR")
            .help("StatsD server as HOST[:PORT] (port 8125 by default) or unix://PATH; setting it turns metrics on."));

    public static final Setting<String> DOGSTATSD_TAGS = add(Setting.setting("dogstatsd_tags", Section.LOGGING, ValueType.string())
            .flags("--dogstatsd-tags")
            .metavar("DOGSTATSD_TAGS")
            .defaultValue("")
            .help("Comma-separated key:value tags added to every metric, in DogStatsD syntax."));

    public static final Setting<String> STATSD_PREFIX = add(Setting.setting("statsd_prefix", Section.LOGGING, ValueType.string())
            .flags("--statsd-prefix")
            .metavar("STATSD_PREFIX")
            .defaultValue("")
            .help("Prefix put before every metric name; a dot is added when missing."));

    public static final Setting<Boolean> ENABLE_BACKLOG_METRIC = add(Setting.setting("enable_backlog_metric", Section.LOGGING,
                    ValueType.bool())
            .flags("--enable-backlog-metric")
            .switchStoring(true)
            .defaultValue(false)
            .help("Report the length of each TCP listener's accept queue as the gauge gunicorn_backlog (statsd"
                    + " gunicorn.backlog), read from the kernel's socket table; Linux only, as in Gunicorn."));

    // ---- Process Naming -------------------------------------------------------------------------

    public static final Setting<String> PROC_NAME = add(Setting.setting("proc_name", Section.PROCESS_NAMING, ValueType.string())
            .flags("-n", "--name")
            .metavar("STRING")
            .help("Name in the process titles: worker JVMs run as 'jgunicorn: worker [NAME]' (ps aux, pgrep -f), and"
                    + " master and workers take NAME, cut to 15 bytes, as their kernel name (ps -e, top, pgrep)."));

    public static final Setting<String> DEFAULT_PROC_NAME = add(Setting.setting("default_proc_name", Section.PROCESS_NAMING,
                    ValueType.string())
            .defaultValue("gunicorn")
            .help("Name used in the process titles when proc_name is unset; the APP argument when this is unset too."));

    // ---- Server Hooks ---------------------------------------------------------------------------

    public static final Setting<String> ON_STARTING = hook("on_starting",
            "Called in the master just before it initialises.");
    public static final Setting<String> ON_RELOAD = hook("on_reload",
            "Called in the master during a HUP reload, before the new workers start.");
    public static final Setting<String> WHEN_READY = hook("when_ready",
            "Called in the master once the listeners are bound, before the first workers start.");
    public static final Setting<String> PRE_FORK = hook("pre_fork",
            "Called in the master right before a worker is started.");
    public static final Setting<String> POST_FORK = hook("post_fork",
            "Called in a worker right after it was started, before it initialises.");
    public static final Setting<String> POST_WORKER_INIT = hook("post_worker_init",
            "Called in a worker after it loaded the app, before it serves.");
    public static final Setting<String> WORKER_INT = hook("worker_int",
            "Called in a worker that received SIGINT or SIGQUIT.");
    public static final Setting<String> WORKER_ABORT = hook("worker_abort",
            "Called in a worker that received SIGABRT, which usually means it timed out.");
    public static final Setting<String> PRE_EXEC = hook("pre_exec",
            "Called in a new master just before it is exec'd during a USR2 binary upgrade.");
    public static final Setting<String> PRE_REQUEST = hook("pre_request",
            "Called in a worker before each request is handled.");
    public static final Setting<String> POST_REQUEST = hook("post_request",
            "Called in a worker after each request was handled.");
    public static final Setting<String> CHILD_EXIT = hook("child_exit",
            "Called in the master after a worker exited.");
    public static final Setting<String> WORKER_EXIT = hook("worker_exit",
            "Called in a worker as it exits.");
    public static final Setting<String> NWORKERS_CHANGED = hook("nworkers_changed",
            "Called in the master whenever the number of workers it keeps changes.");
    public static final Setting<String> ON_EXIT = hook("on_exit",
            "Called in the master just before it exits.");
    public static final Setting<String> SSL_CONTEXT = add(Setting.setting("ssl_context", Section.SERVER_HOOKS, ValueType.string())
            .help("In Gunicorn, a Python function (or its dotted name) that builds the SSLContext used for TLS.")
            .refused("it is a Python callable; configure TLS with certfile, keyfile, ca_certs, cert_reqs and"
                    + " ciphers instead"));

    // ---- SSL ------------------------------------------------------------------------------------

    public static final Setting<String> KEYFILE = add(Setting.setting("keyfile", Section.SSL, ValueType.string())
            .flags("--keyfile")
            .metavar("FILE")
            .help("PEM file with the TLS private key; setting it (with certfile) serves HTTPS."));

    public static final Setting<String> CERTFILE = add(Setting.setting("certfile", Section.SSL, ValueType.string())
            .flags("--certfile")
            .metavar("FILE")
            .help("PEM file with the TLS certificate chain; setting it (with keyfile) serves HTTPS."));

    public static final Setting<String> SSL_VERSION = add(Setting.setting("ssl_version", Section.SSL, ValueType.nameOrNumber())
            .flags("--ssl-version")
            .metavar("SSL_VERSION")
            .defaultValue("TLS")
            .help("Deprecated and ignored, as in Gunicorn: a value other than the default only prints a warning."
                    + " The JVM negotiates the highest TLS version both sides support."));

    public static final Setting<Integer> CERT_REQS = add(Setting.setting("cert_reqs", Section.SSL, ValueType.integer(0, 2))
            .flags("--cert-reqs")
            .metavar("CERT_REQS")
            .defaultValue(0)
            .help("Client certificate check: 0 none, 1 optional, 2 required, verified against ca_certs."));

    public static final Setting<String> CA_CERTS = add(Setting.setting("ca_certs", Section.SSL, ValueType.string())
            .flags("--ca-certs")
            .metavar("FILE")
            .help("PEM bundle of the CA certificates that client certificates are verified against."));

    public static final Setting<Boolean> SUPPRESS_RAGGED_EOFS = add(Setting.setting("suppress_ragged_eofs", Section.SSL,
                    ValueType.bool())
            .flags("--suppress-ragged-eofs")
            .switchStoring(true)
            .defaultValue(true)
            .help("Treat a TLS connection closed without close_notify as a normal end of data; on by default."));

    public static final Setting<Boolean> DO_HANDSHAKE_ON_CONNECT = add(Setting.setting("do_handshake_on_connect", Section.SSL,
                    ValueType.bool())
            .flags("--do-handshake-on-connect")
            .switchStoring(true)
            .defaultValue(false)
            .help("Run the TLS handshake as soon as a connection is accepted rather than on its first read."));

    public static final Setting<String> CIPHERS = add(Setting.setting("ciphers", Section.SSL, ValueType.string())
            .flags("--ciphers")
            .metavar("CIPHERS")
            .help("TLS cipher suites to allow, as a comma- or colon-separated list of JVM suite names"
                    + " (e.g. TLS_AES_128_GCM_SHA256); unset uses the JVM's defaults."));

    // ---- HTTP/2 ---------------------------------------------------------------------------------

    public static final Setting<List<String>> HTTP_PROTOCOLS = add(Setting.setting("http_protocols", Section.HTTP2,
                    ValueType.commaListOf("h1", "h2", "h3"))
            .flags("--http-protocols")
            .metavar("STRING")
            .defaultValue(List.of("h1"))
            .help("HTTP versions offered, comma-separated in order of preference (h1, h2); h2 needs TLS with ALPN"
                    + " or http2_cleartext. h3 (HTTP/3) is refused at start: jgunicorn does not implement it."));

    public static final Setting<String> HTTP2_CLEARTEXT = add(Setting.setting("http2_cleartext", Section.HTTP2,
                    ValueType.oneOf(List.of("off", "prior-knowledge", "upgrade", "both"),
                            Map.of("true", "prior-knowledge", "false", "off")))
            .flags("--http2-cleartext")
            .metavar("STRING")
            .defaultValue("off")
            .help("Allow HTTP/2 without TLS (h2c) from peers in forwarded_allow_ips: by prior knowledge,"
                    + " by Upgrade, or both."));

    public static final Setting<Integer> HTTP2_MAX_CONCURRENT_STREAMS = add(Setting.setting("http2_max_concurrent_streams",
                    Section.HTTP2, ValueType.nonNegative())
            .flags("--http2-max-concurrent-streams")
            .metavar("INT")
            .defaultValue(100)
            .help("Most streams a client may have open at once on one HTTP/2 connection."));

    public static final Setting<Integer> HTTP2_INITIAL_WINDOW_SIZE = add(Setting.setting("http2_initial_window_size",
                    Section.HTTP2, ValueType.nonNegative())
            .flags("--http2-initial-window-size")
            .metavar("INT")
            .defaultValue(65535)
            .help("Initial HTTP/2 flow-control window in bytes."));

    public static final Setting<Integer> HTTP2_MAX_FRAME_SIZE = add(Setting.setting("http2_max_frame_size", Section.HTTP2,
                    ValueType.integer(16384, 16777215))
            .flags("--http2-max-frame-size")
            .metavar("INT")
            .defaultValue(16384)
            .help("Largest HTTP/2 frame payload accepted, in bytes."));

    public static final Setting<Integer> HTTP2_MAX_HEADER_LIST_SIZE = add(Setting.setting("http2_max_header_list_size",
                    Section.HTTP2, ValueType.nonNegative())
            .flags("--http2-max-header-list-size")
            .metavar("INT")
            .defaultValue(65536)
            .help("Largest decoded HTTP/2 header block in bytes, against HPACK bombs; 0 means no limit."));

    // ---- Dirty Arbiters -------------------------------------------------------------------------

    public static final Setting<List<String>> DIRTY_APPS = add(Setting.setting("dirty_apps", Section.DIRTY_ARBITERS,
                    ValueType.repeated())
            .flags("--dirty-app")
            .metavar("STRING")
            .defaultValue(List.of())
            .help("In Gunicorn, a DirtyApp class (module:Class) loaded in a separate pool for long blocking jobs.")
            .refused(DIRTY_REFUSAL));

    public static final Setting<Integer> DIRTY_WORKERS = add(Setting.setting("dirty_workers", Section.DIRTY_ARBITERS,
                    ValueType.nonNegative())
            .flags("--dirty-workers")
            .metavar("INT")
            .defaultValue(0)
            .help("In Gunicorn, how many dirty worker processes run the dirty apps; 0 turns the pool off.")
            .refused(DIRTY_REFUSAL));

    public static final Setting<Integer> DIRTY_TIMEOUT = add(Setting.setting("dirty_timeout", Section.DIRTY_ARBITERS,
                    ValueType.nonNegative())
            .flags("--dirty-timeout")
            .metavar("INT")
            .defaultValue(300)
            .help("In Gunicorn, seconds one dirty task may run before its worker counts as stuck.")
            .refused(DIRTY_REFUSAL));

    public static final Setting<Integer> DIRTY_THREADS = add(Setting.setting("dirty_threads", Section.DIRTY_ARBITERS,
                    ValueType.nonNegative())
            .flags("--dirty-threads")
            .metavar("INT")
            .defaultValue(1)
            .help("In Gunicorn, threads per dirty worker.")
            .refused(DIRTY_REFUSAL));

    public static final Setting<Integer> DIRTY_GRACEFUL_TIMEOUT = add(Setting.setting("dirty_graceful_timeout",
                    Section.DIRTY_ARBITERS, ValueType.nonNegative())
            .flags("--dirty-graceful-timeout")
            .metavar("INT")
            .defaultValue(30)
            .help("In Gunicorn, seconds dirty workers get to finish on shutdown.")
            .refused(DIRTY_REFUSAL));

    // ---- Dirty Arbiter Hooks --------------------------------------------------------------------

    public static final Setting<String> ON_DIRTY_STARTING = dirtyHook("on_dirty_starting",
            "Called in the dirty arbiter before it initialises.");
    public static final Setting<String> DIRTY_POST_FORK = dirtyHook("dirty_post_fork",
            "Called in a dirty worker right after it was forked.");
    public static final Setting<String> DIRTY_WORKER_INIT = dirtyHook("dirty_worker_init",
            "Called in a dirty worker after it loaded its apps.");
    public static final Setting<String> DIRTY_WORKER_EXIT = dirtyHook("dirty_worker_exit",
            "Called in the dirty arbiter when a dirty worker exits.");

    // ---- Control --------------------------------------------------------------------------------

    public static final Setting<String> CONTROL_SOCKET = add(Setting.setting("control_socket", Section.CONTROL, ValueType.string())
            .flags("--control-socket")
            .metavar("PATH")
            .defaultFrom(Settings::defaultControlSocket, "$XDG_RUNTIME_DIR/gunicorn.ctl, else ~/.gunicorn/gunicorn.ctl")
            .help("Unix socket on which the master takes admin commands from jgunicorn ctl (show, worker"
                    + " add/remove, reload, reopen, shutdown). A socket another live master answers on is left to it."));

    public static final Setting<Integer> CONTROL_SOCKET_MODE = add(Setting.setting("control_socket_mode", Section.CONTROL,
                    ValueType.anyBase(0, Integer.MAX_VALUE))
            .flags("--control-socket-mode")
            .metavar("INT")
            .defaultFrom(env -> 0600, "0o600")
            .help("Permission bits of the control socket; a leading 0 means octal."));

    public static final Setting<Boolean> CONTROL_SOCKET_DISABLE = add(Setting.setting("control_socket_disable", Section.CONTROL,
                    ValueType.bool())
            .flags("--no-control-socket")
            .switchStoring(true)
            .defaultValue(false)
            .help("Do not create the control socket."));

    // ---- JVM (jgunicorn only) -------------------------------------------------------------------

    public static final Setting<List<String>> CLASSPATH = add(Setting.setting("classpath", Section.JVM, ValueType.commaList())
            .flags("--classpath")
            .metavar("PATHS")
            .defaultValue(List.of())
            .help("Comma-separated directories and jars added to the app's class path before the app is loaded;"
                    + " jgunicorn's counterpart of --pythonpath."));

    public static final Setting<Integer> HEADER_TIMEOUT = add(Setting.setting("header_timeout", Section.JVM, ValueType.nonNegative())
            .flags("--header-timeout")
            .metavar("INT")
            .defaultValue(10)
            .help("Seconds a client gets to send a complete request head (line and headers) once its first byte"
                    + " arrived or the connection opened; slower clients (slowloris) are closed without holding an"
                    + " app thread. 0 disables."));

    public static final Setting<Integer> BODY_TIMEOUT = add(Setting.setting("body_timeout", Section.JVM, ValueType.nonNegative())
            .flags("--body-timeout")
            .metavar("INT")
            .defaultValue(60)
            .help("Seconds a client may go without sending any of a request body it has started, as nginx's"
                    + " client_body_timeout; from then on it must also keep up --body-min-rate on average. A client"
                    + " too slow gets 408 (if no response started) and is closed, and the app's read of the body"
                    + " throws an IOException, so slow senders cannot hold app threads. On HTTP/2 it also bounds how"
                    + " long a response waits for a client that keeps its flow-control window shut (the stream is"
                    + " reset). Gunicorn has no such setting. 0 disables all of these."));

    public static final Setting<Integer> BODY_MIN_RATE = add(Setting.setting("body_min_rate", Section.JVM, ValueType.nonNegative())
            .flags("--body-min-rate")
            .metavar("INT")
            .defaultValue(500)
            .help("Bytes per second a request body must average once --body-timeout has passed since it started:"
                    + " each byte received extends the body's deadline by 1/INT seconds, as Apache's mod_reqtimeout"
                    + " MinRate, so a client trickling a byte at a time is cut off while a slow but steady upload is"
                    + " not. Time the server itself stops reading (the app is behind) does not count. 0 keeps only"
                    + " the --body-timeout wait between reads."));

    public static final Setting<Integer> IO_THREADS = add(Setting.setting("io_threads", Section.JVM, ValueType.integer(0, 1024))
            .flags("--io-threads")
            .metavar("INT")
            .defaultValue(0)
            .help("Netty event loops per worker: they accept connections and do all socket I/O (and run the handlers"
                    + " of the eventloop worker class). 0 means one per CPU the worker JVM sees."));

    public static final Setting<Integer> EVENTLOOP_MAX_BODY = add(Setting.setting("eventloop_max_body", Section.JVM,
                    ValueType.integer(1, 65536))
            .flags("--eventloop-max-body")
            .metavar("MIB")
            .defaultValue(16)
            .help("Largest request body, in MiB, the eventloop worker class reads into memory before calling the"
                    + " handler; a larger one gets 413 (at its head when Content-Length says so). Other worker"
                    + " classes stream bodies and ignore it."));

    public static final Setting<Integer> EVENTLOOP_BODY_BUFFER = add(Setting.setting("eventloop_body_buffer", Section.JVM,
                    ValueType.integerOrAuto(1, 1048576))
            .flags("--eventloop-body-buffer")
            .metavar("MIB")
            .defaultValue(ValueType.IntOrAuto.AUTO)
            .help("MiB of request bodies one eventloop worker holds in memory at once, all connections together."
                    + " A body is reserved whole before it is read (its Content-Length, or --eventloop-max-body when"
                    + " chunked); one that does not fit yet waits unread, its connection paused, until earlier bodies"
                    + " are done, so uploads queue instead of exhausting memory; one that holds its reservation 2 s"
                    + " without a byte of it arriving while others wait queues again behind them. auto is half the worker JVM's"
                    + " direct memory limit (-XX:MaxDirectMemorySize, else the heap's -Xmx), where Netty keeps"
                    + " socket data. --eventloop-max-body above it is lowered to it."));

    public static final Setting<Boolean> REQUIRE_HOST = add(Setting.setting("require_host", Section.JVM, ValueType.bool())
            .flags("--require-host")
            .switchStoring(true)
            .defaultValue(false)
            .help("Answer 400 to an HTTP/1.1 request without a Host field, as RFC 9112 section 3.2 requires;"
                    + " off by default as in Gunicorn."));

    public static final Setting<List<String>> JVM_ARGS = add(Setting.setting("jvm_args", Section.JVM, ValueType.repeated())
            .flags("--jvm-arg")
            .metavar("OPTION")
            .defaultValue(List.of())
            .help("An option for the worker JVMs, e.g. --jvm-arg=-Xmx256m; repeat the flag for several."));

    public static final Setting<Boolean> NO_MASTER = add(Setting.setting("no_master", Section.JVM, ValueType.bool())
            .flags("--no-master")
            .switchStoring(true)
            .defaultValue(false)
            .help("Serve in this process as a single worker, with no master: for a container whose supervisor"
                    + " (Kubernetes) replaces, scales and restarts workers. TERM drains gracefully; workers is ignored."));

    public static final Setting<String> ADMIN_BIND = add(Setting.setting("admin_bind", Section.JVM, ValueType.string())
            .flags("--admin-bind")
            .metavar("ADDRESS")
            .help("HOST:PORT of the admin listener serving /metrics (Prometheus), /healthz and /readyz; off when"
                    + " unset. It never shares a port with the app; under a master, the master serves it for all workers."));

    public static final Setting<String> HOOKS = add(Setting.setting("hooks", Section.JVM, ValueType.string())
            .flags("--hooks")
            .metavar("CLASS")
            .help("A class implementing dev.jgunicorn.hooks.ServerHooks (found on classpath), whose methods run at the"
                    + " moments of Gunicorn's server hooks (on_starting, when_ready, pre_fork, post_fork, ...);"
                    + " jgunicorn's counterpart of the Python hook settings."));

    // ---- the table ------------------------------------------------------------------------------

    /** Every setting, in Gunicorn's section and file order, then the JVM section. */
    public static final List<Setting<?>> ALL = List.copyOf(TABLE);

    private static final Map<String, Setting<?>> BY_NAME = index(false);
    private static final Map<String, Setting<?>> BY_FLAG = index(true);

    /** The setting called {@code name} (Gunicorn's lower-case name, e.g. {@code limit_request_field_size}). */
    public static Optional<Setting<?>> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** For an unknown name: {@code " (did you mean 'NAME'?)"} naming the closest setting (edit distance below 3), or "". */
    public static String didYouMean(String name) {
        String best = null;
        int bestDistance = 3;
        for (Setting<?> s : ALL) {
            int d = editDistance(name, s.name());
            if (d < bestDistance) {
                best = s.name();
                bestDistance = d;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The setting a command-line flag belongs to, e.g. {@code -w} or {@code --log-file}; exact spelling only. */
    public static Optional<Setting<?>> byFlag(String flag) {
        return Optional.ofNullable(BY_FLAG.get(flag));
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static <T> Setting<T> add(Setting.Builder<T> builder) {
        Setting<T> s = builder.build();
        TABLE.add(s);
        return s;
    }

    private static Setting<String> hook(String name, String when) {
        return add(Setting.setting(name, Section.SERVER_HOOKS, ValueType.string())
                .help("A Gunicorn server hook, a Python function or its dotted name. " + when)
                .refused(HOOK_REFUSAL));
    }

    private static Setting<String> dirtyHook(String name, String when) {
        return add(Setting.setting(name, Section.DIRTY_ARBITER_HOOKS, ValueType.string())
                .help("A Gunicorn dirty-arbiter hook, a Python function or its dotted name. " + when)
                .refused(DIRTY_REFUSAL));
    }

    private static Map<String, Setting<?>> index(boolean byFlag) {
        Map<String, Setting<?>> out = new LinkedHashMap<>();
        for (Setting<?> s : TABLE) {
            for (String key : byFlag ? s.flags() : List.of(s.name())) {
                Setting<?> before = out.putIfAbsent(key, s);
                if (before != null) {
                    throw new IllegalStateException((byFlag ? "flag " : "setting ") + key + " defined twice: "
                            + before + " and " + s);
                }
            }
        }
        return Map.copyOf(out);
    }

    /** An environment variable as a setting's default, checked by the setting's type as Gunicorn does at import. */
    private static <T> T fromEnv(Map<String, String> env, String setting, String var, ValueType<T> type, T otherwise) {
        String word = env.get(var);
        if (word == null) return otherwise;
        try {
            return type.parse(word);
        } catch (IllegalArgumentException e) {
            throw new SettingException(setting, "Invalid value for " + setting + " from $" + var + ": "
                    + Py.quote(word) + ": " + e.getMessage() + " (allowed: " + type.describe() + ")");
        }
    }

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    private static String defaultSyslogAddr() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("mac") || os.contains("darwin")) return "unix:///var/run/syslog";
        if (os.contains("freebsd") || os.contains("dragonfly")) return "unix:///var/run/log";
        if (os.contains("openbsd")) return "unix:///dev/log";
        return "udp://localhost:514";
    }

    private static String defaultControlSocket(Map<String, String> env) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty() && Files.isDirectory(Path.of(xdg))) {
            return Path.of(xdg, "gunicorn.ctl").toString();
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".gunicorn", "gunicorn.ctl").toString();
    }
}
