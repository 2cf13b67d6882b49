package dev.jgunicorn.process;

import dev.jgunicorn.cli.Main;

import java.util.ArrayList;
import java.util.List;

/**
 * The command that starts jgunicorn again in a new JVM: a worker, the class-data training run, the --daemon master,
 * or the new master of a USR2 upgrade. The JVM cannot fork, so every process after the first is started this way.
 */
public final class JvmCommand {
    private JvmCommand() {
    }

    /**
     * The same java as this process, {@code options}, this class path and the main class, then {@code args}: a
     * fresh jgunicorn JVM with chosen options.
     */
    public static List<String> jgunicorn(List<String> options, List<String> args) {
        List<String> cmd = jvm(options);
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        return cmd;
    }

    /**
     * The JVM of {@link #jgunicorn} without a main class: {@code jvm(options)} plus {@code -version} starts the JVM
     * exactly as a worker's would start (class path and module options included), which is what a class-data
     * archive is checked against.
     */
    public static List<String> jvm(List<String> options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.add("--enable-native-access=ALL-UNNAMED"); // Netty's epoll transport loads its native library
        cmd.addAll(options);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }

    /** This JVM's own command line, options included, as it was started. */
    public static List<String> thisProcess() {
        ProcessHandle.Info self = ProcessHandle.current().info();
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(List.of(self.arguments().orElse(new String[0])));
        return cmd;
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
