package dev.jgunicorn.cli;

import dev.jgunicorn.app.AppLoadException;
import dev.jgunicorn.app.AppLoader;
import dev.jgunicorn.arbiter.Master;
import dev.jgunicorn.arbiter.ReloadWatcher;
import dev.jgunicorn.hooks.Hooks;
import dev.jgunicorn.process.ExitCodes;
import dev.jgunicorn.process.JvmCommand;
import dev.jgunicorn.process.Logging;
import dev.jgunicorn.process.ProcessEnvironment;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.sidecar.Sidecar;
import dev.jgunicorn.settings.ConfigLoader;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import dev.jgunicorn.settings.Version;
import dev.jgunicorn.worker.Worker;
import dev.jgunicorn.worker.WorkerIdentity;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code jgunicorn} command: resolve the settings, check the app, then run the master (which starts
 * worker processes) or, inside a worker process or with --no-master, the worker itself; {@code jgunicorn ctl}
 * talks to a running master (see {@link Ctl}); {@code jgunicorn sidecar} runs beside Python Gunicorn (see
 * {@link Sidecar}). Exit codes follow Gunicorn's (see {@link ExitCodes}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (!args.isEmpty() && args.get(0).equals("ctl")) return Ctl.run(args.subList(1, args.size()), out, err);
        if (!args.isEmpty() && args.get(0).equals("sidecar")) return Sidecar.run(args.subList(1, args.size()), out, err);
        // a worker takes its master's settings as they are: no second parse of the command line and config file
        String inherited = System.getenv(ProcessEnvironment.SETTINGS);
        if (inherited != null) {
            Config config;
            try {
                config = Config.decode(inherited);
            } catch (IllegalArgumentException e) {
                err.println("Error: " + ProcessEnvironment.SETTINGS + ": " + e.getMessage());
                return ExitCodes.CONFIG_ERROR;
            }
            return run(config, args, out, err);
        }
        Config config;
        try {
            ConfigLoader.Result r = new ConfigLoader(System.getenv(), Path.of("").toAbsolutePath(),
                    Runtime.getRuntime().availableProcessors()).load(args);
            if (r.help()) {
                out.print(ConfigLoader.usage());
                return 0;
            }
            if (r.version()) {
                out.println("jgunicorn " + Version.get());
                return 0;
            }
            config = r.config();
        } catch (ConfigLoader.UsageException e) {
            err.println("usage: jgunicorn [OPTIONS] [APP]");
            err.println("jgunicorn: error: " + e.getMessage());
            return ExitCodes.USAGE_ERROR;
        } catch (SettingException e) {
            err.println("Error: " + e.getMessage());
            return ExitCodes.CONFIG_ERROR;
        } catch (IOException e) {
            err.println("Error: " + e.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        return run(config, args, out, err);
    }

    /** The run once the settings are resolved: the master, a worker, or --check-config. */
    private static int run(Config config, List<String> args, PrintStream out, PrintStream err) {
        boolean checkOnly = config.get(Settings.CHECK_CONFIG) || config.get(Settings.PRINT_CONFIG);
        if (config.get(Settings.PRINT_CONFIG)) out.print(config.describe());
        if (config.app() == null) {
            err.println("usage: jgunicorn [OPTIONS] [APP]");
            err.println("jgunicorn: error: No application specified: give APP (e.g. dev.jgunicorn.demo.Hello) or wsgi_app in the config file.");
            return ExitCodes.USAGE_ERROR;
        }
        boolean inWorker = System.getenv(ProcessEnvironment.WORKER) != null;
        Hooks hooks = null;
        try {
            if (!inWorker) hooks = Hooks.load(config); // a bad hooks class stops the start here, with its reason
            Worker.checkSettings(config);
            if (!inWorker) WorkerIdentity.of(config); // an unknown --user or --group stops the start here
            if (config.get(Settings.RELOAD)) {
                if (config.get(Settings.PRELOAD_APP)) {
                    throw new SettingException("reload", "--reload and --preload cannot be combined (as in Gunicorn): a"
                            + " preloaded app's class-data archive would be made again on every change; drop --preload in development");
                }
                ReloadWatcher.validateLiteralExtraFiles(config.get(Settings.RELOAD_EXTRA_FILES), config.baseDir());
            }
            // As in Gunicorn, the master loads the app only for --check-config or --preload; otherwise the app's
            // initialisation runs in the workers alone (a worker that cannot load it stops the master with 4).
            if (!inWorker && (checkOnly || config.get(Settings.PRELOAD_APP))) {
                AppLoader.load(config.app(), AppLoader.classLoader(config.get(Settings.CLASSPATH), config.baseDir()));
            }
        } catch (AppLoadException e) {
            err.println("Error: " + e.getMessage());
            return checkOnly ? ExitCodes.CONFIG_ERROR : ExitCodes.APP_LOAD_ERROR;
        } catch (SettingException | IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        if (checkOnly) return 0;

        try {
            Logging.configure(config);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        String workerNumber = System.getenv(ProcessEnvironment.WORKER);
        if (workerNumber == null) {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("gunicorn.error");
            config.warnings().forEach(log::warn);
            if (!"default".equals(config.sourceOf(Settings.SSL_VERSION))) {
                log.warn("ssl_version is deprecated (as in Gunicorn) and has no effect: the JDK negotiates the TLS version");
            }
        }
        if (workerNumber != null) return new Worker(config, Integer.parseInt(workerNumber), Hooks.load(config)).run();
        // In a pod the supervisor is Kubernetes: this process is the one worker, PID 1, and TERM drains it.
        if (config.get(Settings.NO_MASTER)) return new Worker(config, 0, hooks).run();
        if (config.get(Settings.DAEMON) && !ProcessEnvironment.daemonized()) return daemonize(config, args, err);
        return new Master(config, args, hooks).run();
    }

    /**
     * -D/--daemon: start the master again in a new session (setsid) with its stdio on /dev/null (unless
     * --enable-stdio-inheritance), then leave; the JVM cannot fork, so this is Gunicorn's double fork done by exec.
     */
    private static int daemonize(Config config, List<String> args, PrintStream err) {
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(JvmCommand.jgunicorn(List.of(), args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(config.baseDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (config.get(Settings.ENABLE_STDIO_INHERITANCE)) {
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        pb.environment().put(ProcessEnvironment.DAEMONIZED, "1");
        try {
            pb.start();
            return 0;
        } catch (IOException e) {
            err.println("Error: cannot daemonize: " + e.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
    }
}
