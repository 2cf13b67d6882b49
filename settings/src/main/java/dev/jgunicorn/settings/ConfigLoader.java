package dev.jgunicorn.settings;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Resolves the settings as Gunicorn does: defaults &lt; config file &lt; GUNICORN_CMD_ARGS &lt; command line.
 * The command-line parser is built from {@link Settings#ALL}, so flags, --help and the table cannot drift apart.
 */
public final class ConfigLoader {
    public static final String DEFAULT_CONFIG_FILE = "gunicorn.conf.py";

    /** The command line could not be parsed (Gunicorn, like argparse, exits with 2). */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    /** What was asked besides settings: --help and --version end the run early. */
    public record Result(Config config, boolean help, boolean version) {
    }

    private final Map<String, String> env;
    private final Path cwd;
    private final int cpuCount;

    public ConfigLoader(Map<String, String> env, Path cwd, int cpuCount) {
        this.env = env;
        this.cwd = cwd;
        this.cpuCount = cpuCount;
    }

    /** The picocli model of the command line, derived from the settings table. */
    public static CommandSpec commandSpec() {
        CommandSpec spec = CommandSpec.create().name("jgunicorn");
        spec.usageMessage().description("Serve a Java HttpHandler app the way Gunicorn serves WSGI apps.")
                .synopsisHeading("usage: ").customSynopsis("jgunicorn [OPTIONS] [APP]")
                .optionListHeading("%nOptions:%n").parameterListHeading("%nArguments:%n");
        spec.addPositional(PositionalParamSpec.builder().index("0").arity("0..1").paramLabel("APP").type(String.class)
                .description("The handler to serve: a class implementing com.sun.net.httpserver.HttpHandler "
                        + "(com.example.App) or a static member yielding one (com.example.App:handler).").build());
        for (Setting<?> s : Settings.ALL) {
            if (s.flags().isEmpty()) continue;
            OptionSpec.Builder b = OptionSpec.builder(s.flags().toArray(String[]::new))
                    .description(helpLine(s));
            if (s.isSwitch()) {
                b.arity("0").type(boolean.class);
            } else if (s.type().repeatable()) {
                b.arity("1").type(List.class).auxiliaryTypes(String.class)
                        .paramLabel(s.metavar() != null ? s.metavar() : s.name().toUpperCase());
                // A JVM option is a value even when it looks like one of ours: --jvm-arg -Dx=1 is not -D (daemon).
                if (s == Settings.JVM_ARGS) b.parameterConsumer(ConfigLoader::takeNextWord);
            } else {
                b.arity("1").type(String.class).paramLabel(s.metavar() != null ? s.metavar() : s.name().toUpperCase());
            }
            spec.addOption(b.build());
        }
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help and exit.").build());
        spec.addOption(OptionSpec.builder("-v", "--version").versionHelp(true).description("Show the version and exit.").build());
        return spec;
    }

    private static void takeNextWord(java.util.Stack<String> args, CommandLine.Model.ArgSpec arg, CommandSpec spec) {
        if (args.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required parameter for option '"
                    + ((OptionSpec) arg).longestName() + "' (" + arg.paramLabel() + ")");
        }
        List<String> words = arg.getValue() == null ? new ArrayList<>() : new ArrayList<>(arg.<List<String>>getValue());
        words.add(args.pop());
        arg.setValue(words);
    }

    private static String helpLine(Setting<?> s) {
        String d = s.help() + " [" + s.name() + "; default: " + s.defaultDoc() + "]";
        d = s.supported() ? d : d + " (" + s.support().name().toLowerCase() + ": " + s.refusal() + ")";
        return d.replace("%", "%%"); // picocli formats descriptions: a literal % must be doubled
    }

    public static String usage() {
        return new CommandLine(commandSpec()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    public Result load(List<String> args) throws IOException {
        Parsed cli = parseArgs(args, "command line");
        if (cli.help || cli.version) return new Result(null, cli.help, cli.version);
        Parsed envArgs = env.containsKey("GUNICORN_CMD_ARGS")
                ? parseArgs(ShellWords.split(env.get("GUNICORN_CMD_ARGS")), "GUNICORN_CMD_ARGS")
                : new Parsed();

        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        Map<Setting<?>, String> sources = new HashMap<>();
        for (Setting<?> s : Settings.ALL) values.put(s, s.defaultValue(env));
        List<String> warnings = new ArrayList<>();

        // The config file is found with the chdir of the command line (or the env var), as Gunicorn does.
        Path base = cwd;
        Object chdir = cli.values.containsKey(Settings.CHDIR) ? cli.values.get(Settings.CHDIR) : envArgs.values.get(Settings.CHDIR);
        if (chdir != null) base = cwd.resolve(chdir.toString()).normalize();

        String configName = (String) (cli.values.containsKey(Settings.CONFIG) ? cli.values.get(Settings.CONFIG)
                : envArgs.values.get(Settings.CONFIG));
        Path configFile = configPath(configName, base);
        String app = null;
        if (configFile != null) {
            PyConfigFile file;
            try {
                file = PyConfigFile.read(configFile, env, cpuCount);
            } catch (ConfigFileException e) {
                throw new SettingException("config", "Error reading config file " + e.getMessage());
            }
            for (Map.Entry<String, Object> e : file.values().entrySet()) {
                String where = configFile.getFileName() + ":" + file.lineOf(e.getKey());
                var setting = Settings.byName(e.getKey());
                if (setting.isEmpty()) {
                    if (!file.referencedNames().contains(e.getKey()) && !e.getKey().startsWith("_")) {
                        warnings.add(where + ": '" + e.getKey() + "' is not a setting and is ignored" + Settings.didYouMean(e.getKey()));
                    }
                    continue;
                }
                Setting<?> s = setting.get();
                if (s == Settings.CONFIG) continue; // as in Gunicorn: only the command line chooses the file
                Object v;
                try {
                    v = s.fromConfig(e.getValue());
                } catch (SettingException ex) {
                    throw new SettingException(s.name(), where + ": " + ex.getMessage());
                }
                values.put(s, v);
                sources.put(s, "config file " + where);
            }
            app = (String) values.get(Settings.WSGI_APP);
        }
        apply(envArgs, values, sources);
        apply(cli, values, sources);
        values.put(Settings.CONFIG, configFile == null ? values.get(Settings.CONFIG) : configFile.toString());
        if (chdir != null) values.put(Settings.CHDIR, base.toString());
        else values.put(Settings.CHDIR, cwd.toString());

        for (Setting<?> s : Settings.ALL) checkApplicable(s, values, sources, warnings);
        if (cli.app != null) app = cli.app;
        return new Result(new Config(values, sources, app, base, warnings), false, false);
    }

    private Path configPath(String name, Path base) {
        if (name == null) {
            Path p = base.resolve(DEFAULT_CONFIG_FILE);
            return Files.isRegularFile(p) ? p : null;
        }
        if (name.startsWith("python:")) {
            throw new SettingException("config", "config " + name + ": python: modules cannot be imported on the JVM; give the file's path");
        }
        if (name.startsWith("file:")) name = name.substring(5);
        Path p = base.resolve(name).normalize();
        if (Files.isDirectory(p)) throw new SettingException("config", "config file " + name + " is a directory");
        if (!Files.isRegularFile(p)) throw new SettingException("config", "config file " + name + " does not exist");
        return p;
    }

    /** A refused or pending setting is fine at its default and an error otherwise: nothing is silently ignored. */
    private void checkApplicable(Setting<?> s, Map<Setting<?>, Object> values, Map<Setting<?>, String> sources, List<String> warnings) {
        if (s.supported() || !sources.containsKey(s)) return;
        if (Objects.equals(values.get(s), s.defaultValue(env))) return;
        String flag = s.flags().isEmpty() ? s.name() : s.flags().get(s.flags().size() - 1) + " (" + s.name() + ")";
        throw new SettingException(s.name(), flag + " from " + sources.get(s) + " cannot be used with jgunicorn: " + s.refusal());
    }

    private static void apply(Parsed p, Map<Setting<?>, Object> values, Map<Setting<?>, String> sources) {
        for (Map.Entry<Setting<?>, Object> e : p.values.entrySet()) {
            values.put(e.getKey(), e.getValue());
            sources.put(e.getKey(), p.source);
        }
    }

    /** Options actually given in one source, already converted and validated. */
    private static final class Parsed {
        final Map<Setting<?>, Object> values = new LinkedHashMap<>();
        String source = "";
        String app;
        boolean help;
        boolean version;
    }

    private Parsed parseArgs(List<String> args, String source) {
        CommandLine cl = new CommandLine(commandSpec());
        cl.setPosixClusteredShortOptionsAllowed(true);
        cl.setAbbreviatedOptionsAllowed(false);
        ParseResult pr;
        try {
            pr = cl.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(source + ": " + e.getMessage());
        }
        Parsed p = new Parsed();
        p.source = source;
        p.help = pr.isUsageHelpRequested();
        p.version = pr.isVersionHelpRequested();
        // Gunicorn ignores positional words in GUNICORN_CMD_ARGS.
        if (pr.hasMatchedPositional(0) && source.equals("command line")) p.app = pr.matchedPositional(0).getValue();
        for (OptionSpec o : pr.matchedOptions()) {
            if (o.usageHelp() || o.versionHelp()) continue;
            Setting<?> s = Settings.byFlag(o.longestName()).orElseThrow();
            p.values.put(s, convert(s, o.stringValues()));
        }
        // Options read by our own consumer are not among picocli's matched options; their values are.
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (o.parameterConsumer() == null) continue;
            List<String> words = o.getValue();
            if (words == null || words.isEmpty()) continue;
            Setting<?> s = Settings.byFlag(o.longestName()).orElseThrow();
            p.values.put(s, convert(s, words));
        }
        return p;
    }

    private static <T> T convert(Setting<T> s, List<String> words) {
        if (s.isSwitch()) return s.switchValue();
        if (s.type().repeatable()) {
            T v = s.parse(words.get(0));
            for (String w : words.subList(1, words.size())) v = s.type().append(v, w);
            return v;
        }
        return s.parse(words.get(words.size() - 1));
    }
}
